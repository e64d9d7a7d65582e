using System.Diagnostics;
using System.Text;

namespace Feast.Cli.Tests.Commands;

/// <summary>
/// <c>FEATURE_STORE_YAML_BASE64</c> through the real <c>feast</c> process: a child process gets the variable, so no test
/// changes this process's environment.
/// </summary>
public sealed class Base64ConfigCommandTests
{
    private static async Task<CliResult> RunWithBase64Async(string value, params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Feast.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} is not next to the test assembly");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(cli);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["FEATURE_STORE_YAML_BASE64"] = value;
        start.Environment.Remove("FEAST_FS_YAML_FILE_PATH");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Configuration_Base64Set_IsReadInsteadOfTheRepoFile()
    {
        using var repo = new TempDir();
        File.WriteAllText(repo.File("feature_store.yaml"), "project: from_file\nregistry: data/registry.db\n");
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("project: from_operator\nregistry: data/registry.db\nprovider: local\n"));

        var result = (await RunWithBase64Async(encoded, "-c", repo.Path, "configuration")).ExpectOk();

        Assert.Contains("project: from_operator", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("from_file", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntitiesList_Base64NotBase64_FailsWithOneLine()
    {
        using var repo = new TempDir();

        var result = (await RunWithBase64Async("project: not encoded", "-c", repo.Path, "entities", "list")).Expect(1);

        Assert.StartsWith("Error: $FEATURE_STORE_YAML_BASE64: the value is not valid base64", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Equal("", result.Stdout);
    }
}
