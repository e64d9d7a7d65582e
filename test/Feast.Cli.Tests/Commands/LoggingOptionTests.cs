namespace Feast.Cli.Tests.Commands;

public class LoggingOptionTests
{
    [Theory]
    [InlineData("--log-format", "json")]
    [InlineData("--log-format", "text")]
    [InlineData("--log-level", "DEBUG")]
    [InlineData("--log-level", "info")]
    public async Task LoggingOptions_Valid_AreAccepted(string option, string value)
    {
        var result = (await FeastCommand.RunAsync(option, value, "version")).ExpectOk();
        Assert.Contains("Feast.NET SDK Version", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--log-format", "xml")]
    [InlineData("--log-level", "loud")]
    public async Task LoggingOptions_Invalid_ExitTwoNamingTheChoices(string option, string value)
    {
        var result = (await FeastCommand.RunAsync(option, value, "version")).Expect(2);
        Assert.Contains(value, result.Stderr, StringComparison.Ordinal);
    }
}
