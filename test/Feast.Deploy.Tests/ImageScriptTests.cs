namespace Feast.Deploy.Tests;

/// <summary><c>eng/image.sh</c>'s usage and its errors before it builds anything.</summary>
public sealed class ImageScriptTests
{
    private static readonly string Script = Path.Combine(Run.RepoRoot, "eng", "image.sh");

    [Fact]
    public async Task Help_explains_what_the_script_builds_and_how()
    {
        var (code, output) = await Run.CommandAsync("bash", [Script, "--help"], TimeSpan.FromMinutes(1));
        Assert.Equal(0, code);
        Assert.Contains("mmdebstrap", output, StringComparison.Ordinal);
        Assert.Contains("PublishContainer", output, StringComparison.Ordinal);
        Assert.Contains("--rebuild-base", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_named_with_where_to_look()
    {
        var (code, output) = await Run.CommandAsync("bash", [Script, "--tag"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, code);
        Assert.Contains("unknown option '--tag' (see eng/image.sh --help)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_root_user_is_told_what_needs_root()
    {
        // As root (CI containers, this repo's machines), run it as nobody; as another user, run it directly.
        (int Code, string Output) result = Environment.UserName == "root"
            ? await Run.CommandAsync("runuser", ["-u", "nobody", "--", "bash", Script], TimeSpan.FromMinutes(1))
            : await Run.CommandAsync("bash", [Script], TimeSpan.FromMinutes(1));
        Assert.Equal(1, result.Code);
        Assert.Contains("must run as root (sudo eng/image.sh)", result.Output, StringComparison.Ordinal);
        Assert.Contains("mmdebstrap", result.Output, StringComparison.Ordinal);
    }
}
