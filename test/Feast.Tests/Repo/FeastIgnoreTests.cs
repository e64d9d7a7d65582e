using Feast.Repo;

namespace Feast.Tests.Repo;

public class FeastIgnoreTests
{
    [Fact]
    public void Parse_CommentsAndBlankLines_AreSkipped()
    {
        var ignore = FeastIgnore.Parse("# comment\n\n  a.cs  # trailing comment\r\n   \nsub/dir/\n#only/comment\n");

        Assert.Equal([["a.cs"], ["sub", "dir"]], ignore.Patterns);
    }

    [Theory]
    [InlineData("a.cs", "a.cs", true)]
    [InlineData("a.cs", "sub/a.cs", false)]
    [InlineData("*.cs", "top.cs", true)]
    [InlineData("*.cs", "sub/nested.cs", false)]
    [InlineData("**/*.cs", "sub/deeper/nested.cs", true)]
    [InlineData("**/*.cs", "top.cs", true)]
    [InlineData("sub", "sub/x.cs", true)]
    [InlineData("sub/", "sub/deeper/x.cs", true)]
    [InlineData("./sub", "sub/x.cs", true)]
    [InlineData("sub", "other/sub/x.cs", false)]
    [InlineData("**/gen", "a/b/gen/x.cs", true)]
    [InlineData("a/**/b.cs", "a/b.cs", true)]
    [InlineData("a/**/b.cs", "a/x/y/b.cs", true)]
    [InlineData("a/**/b.cs", "c/a/b.cs", false)]
    [InlineData("feature_*", "feature_views.cs", true)]
    [InlineData("feature_*", "features.cs", false)]
    [InlineData("f?.cs", "f1.cs", true)]
    [InlineData("f?.cs", "f12.cs", false)]
    [InlineData("f[0-3].cs", "f2.cs", true)]
    [InlineData("f[0-3].cs", "f7.cs", false)]
    [InlineData("f[!0-3].cs", "f7.cs", true)]
    [InlineData("*", "anything/at/all.cs", true)]
    [InlineData("**", "anything/at/all.cs", true)]
    [InlineData("a*b*c.cs", "axxbyyc.cs", true)]
    [InlineData("a*b*c.cs", "axxbyy.cs", false)]
    public void IsIgnored_Pattern_MatchesLikeFeast(string pattern, string path, bool ignored)
    {
        Assert.Equal(ignored, FeastIgnore.Parse(pattern).IsIgnored(path));
    }

    [Fact]
    public void IsIgnored_NoPatterns_IgnoresNothing()
    {
        Assert.False(FeastIgnore.Empty.IsIgnored("a.cs"));
        Assert.False(FeastIgnore.Parse("# nothing\n").IsIgnored("a.cs"));
    }
}
