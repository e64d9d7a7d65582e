namespace Feast.Tests;

/// <summary>Paths to the Feast-written fixtures (test/testdata, copied beside the test binaries) and throwaway directories for tests.</summary>
internal static class TestData
{
    /// <summary>The fixtures folder: test/testdata of the repo, as copied to the output directory.</summary>
    public static string Dir { get; } = Path.Combine(AppContext.BaseDirectory, "testdata");

    public static string FeastRegistryDb => Path.Combine(Dir, "feast_registry", "registry.db");

    public static string FeastOnlineStoreDb => Path.Combine(Dir, "feast_online_sqlite", "online_store.db");

    public static string FeastOnlineFixture => Path.Combine(Dir, "feast_online_sqlite", "get_online_features.json");

    /// <summary>
    /// A store over copies of the registry and SQLite online store Python Feast wrote (project my_project), in
    /// <paramref name="dir"/>.
    /// </summary>
    public static FeatureStore OpenPythonWrittenRepo(TempDir dir)
    {
        File.Copy(FeastRegistryDb, dir.File("registry.db"));
        File.Copy(FeastOnlineStoreDb, dir.File("online_store.db"));
        foreach (var file in Directory.GetFiles(dir.Path)) File.SetAttributes(file, FileAttributes.Normal);
        File.WriteAllText(dir.File("feature_store.yaml"), """
            project: my_project
            registry: registry.db
            provider: local
            online_store:
              type: sqlite
              path: online_store.db
            entity_key_serialization_version: 3
            """);
        return FeatureStore.Open(dir.Path);
    }
}

/// <summary>A temporary directory deleted when disposed.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "feast-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finalizer-bound handle; the OS temp cleaner takes it.
        }
    }
}
