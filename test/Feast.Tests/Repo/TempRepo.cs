namespace Feast.Tests.Repo;

/// <summary>A fresh feature repo folder under the temp directory, deleted on dispose.</summary>
internal sealed class TempRepo : IDisposable
{
    public TempRepo()
    {
        Root = Path.Combine(Path.GetTempPath(), "feast-repo-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Write("feature_store.yaml", "project: driver_project\nregistry: data/registry.db\nprovider: local\n");
    }

    public string Root { get; }

    /// <summary>Writes <paramref name="text"/> to <paramref name="relativePath"/> (with '/' separators), creating folders.</summary>
    public TempRepo Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test over.
        }
    }
}
