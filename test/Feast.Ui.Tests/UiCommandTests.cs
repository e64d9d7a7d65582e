namespace Feast.Ui.Tests;

/// <summary><c>feast ui</c>'s options and errors, run in process.</summary>
public sealed class UiCommandTests
{
    [Fact]
    public async Task Help_ListsTheOptionsAndDefaults()
    {
        var (code, output, _) = await UiRepos.RunToEndAsync("ui", "--help");

        Assert.Equal(0, code);
        foreach (var option in (string[])["--host", "--port", "8888", "--registry-ttl-sec", "--root-path", "--ui-dir", "--key", "--cert"])
            Assert.Contains(option, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UiDirWithoutABundle_SaysHowToBuildIt()
    {
        var dir = UiRepos.NewDirectory();
        try
        {
            var (code, _, error) = await UiRepos.RunToEndAsync("-c", dir, "ui", "--ui-dir", dir, "-p", "0");

            Assert.Equal(1, code);
            Assert.Contains("holds no built UI", error, StringComparison.Ordinal);
            Assert.Contains("eng/build-ui.sh", error, StringComparison.Ordinal);
        }
        finally
        {
            UiRepos.Delete(dir);
        }
    }

    [Fact]
    public async Task RootPathNotAPath_IsAUserError()
    {
        var (code, _, error) = await UiRepos.RunToEndAsync("ui", "--root-path", "/a?b");

        Assert.Equal(1, code);
        Assert.Contains("--root-path", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyWithoutCert_IsAUsageError()
    {
        var (code, _, error) = await UiRepos.RunToEndAsync("ui", "--key", "key.pem");

        Assert.Equal(2, code);
        Assert.Contains("--key and --cert", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bundle_IsFoundBesideTheCli()
    {
        // The test build copies the bundle eng/build-ui.sh made (tests need it: run eng/build-ui.sh first).
        var bundle = FeastUiBundle.Find();

        Assert.True(bundle is not null, "No UI bundle: run eng/build-ui.sh, then build again. " + FeastUiBundle.BuildHint);
    }
}
