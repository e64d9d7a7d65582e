namespace Feast.Tests;

/// <summary>The repository is self-contained: a user's clone has no ../shared folder beside it.</summary>
public sealed class RepoHygieneTests
{
    [Fact]
    public void Fixtures_AreCopiedBesideTheTestBinaries()
    {
        Assert.True(File.Exists(TestData.FeastRegistryDb), TestData.FeastRegistryDb);
        Assert.True(File.Exists(TestData.FeastOnlineStoreDb), TestData.FeastOnlineStoreDb);
        Assert.True(File.Exists(TestData.FeastOnlineFixture), TestData.FeastOnlineFixture);
    }

    [Fact]
    public void SourcesAndTests_NeverReadTheSharedFolder()
    {
        var root = RepoRoot();
        var offenders = new List<string>();
        foreach (var folder in new[] { "src", "test", "bench", "eng" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories))
            {
                if (!(file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".sh", StringComparison.Ordinal) || file.EndsWith("proj", StringComparison.Ordinal) || file.EndsWith(".props", StringComparison.Ordinal))) continue;
                if (file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) || file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                if (file.EndsWith(nameof(RepoHygieneTests) + ".cs", StringComparison.Ordinal)) continue;
                var text = File.ReadAllText(file);
                if (text.Contains("shared/testdata", StringComparison.Ordinal) || text.Contains("\"shared\"", StringComparison.Ordinal))
                    offenders.Add(Path.GetRelativePath(root, file));
            }
        }
        Assert.Empty(offenders);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Feast.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("No Feast.slnx above " + AppContext.BaseDirectory);
    }
}
