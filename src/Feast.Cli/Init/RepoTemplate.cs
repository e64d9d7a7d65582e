using System.Text;

namespace Feast.Cli.Init;

/// <summary>
/// The local template of <c>feast init</c>: a <c>feature_repo</c> folder with <c>feature_store.yaml</c>, the driver example
/// in C# (<c>driver_repo.cs</c>), generated sample data and a README.
/// </summary>
internal static class RepoTemplate
{
    /// <summary>The folder inside the project directory that holds the repo, as in Feast.</summary>
    public const string FeatureRepoDirectoryName = "feature_repo";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Creates <c>&lt;projectDirectory&gt;/feature_repo</c>. The project name is the directory's last segment. Everything is
    /// written into a hidden sibling folder first and renamed into place, so a failure or cancellation leaves nothing behind.
    /// </summary>
    /// <param name="projectDirectory">The project directory; it must not exist or be empty.</param>
    /// <param name="time">The clock that dates the sample data.</param>
    /// <param name="cancellationToken">Cancels the creation; nothing is left behind.</param>
    /// <returns>The full path of the created <c>feature_repo</c> folder.</returns>
    /// <exception cref="FeastException">The name is not a valid project name, or the directory exists and is not empty.</exception>
    public static Task<string> CreateAsync(string projectDirectory, TimeProvider time, CancellationToken cancellationToken = default) =>
        CreateAsync(projectDirectory, time, minimal: false, cancellationToken);

    /// <summary>
    /// Creates <c>&lt;projectDirectory&gt;/feature_repo</c>: the driver example, or with <paramref name="minimal"/> Feast's
    /// minimal template (<c>feature_store.yaml</c> and a definitions file without definitions).
    /// </summary>
    /// <inheritdoc cref="CreateAsync(string, TimeProvider, CancellationToken)"/>
    public static async Task<string> CreateAsync(string projectDirectory, TimeProvider time, bool minimal, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectDirectory);
        ArgumentNullException.ThrowIfNull(time);

        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectDirectory));
        var project = Path.GetFileName(target);
        ProjectName.Validate(project);
        var targetExists = Directory.Exists(target);
        if (File.Exists(target) || (targetExists && Directory.EnumerateFileSystemEntries(target).Any()))
            throw new FeastException($"{target} already exists; choose another name or remove it.");

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{project}.feast-init-{Guid.NewGuid():N}");
        try
        {
            var stagedRepo = Path.Combine(staging, FeatureRepoDirectoryName);
            if (minimal)
                await WriteMinimalRepoAsync(stagedRepo, project, cancellationToken).ConfigureAwait(false);
            else
                await WriteRepoAsync(stagedRepo, project, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();

            if (targetExists)
            {
                // An empty project directory (e.g. made by the user beforehand) stays; the repo moves into it.
                Directory.Move(stagedRepo, Path.Combine(target, FeatureRepoDirectoryName));
                Directory.Delete(staging, recursive: true);
            }
            else
            {
                Directory.Move(staging, target);
            }
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
        return Path.Combine(target, FeatureRepoDirectoryName);
    }

    private static async Task WriteRepoAsync(string repo, string project, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // data/ holds the sample data now, and the registry and online store once `feast apply` runs.
        var data = Directory.CreateDirectory(Path.Combine(repo, "data")).FullName;
        await WriteTextAsync(Path.Combine(repo, "feature_store.yaml"), TemplateFiles.FeatureStoreYaml(project), cancellationToken).ConfigureAwait(false);
        await WriteTextAsync(Path.Combine(repo, TemplateFiles.DefinitionsFileName), TemplateFiles.DriverRepo(project), cancellationToken).ConfigureAwait(false);
        await WriteTextAsync(Path.Combine(repo, "README.md"), TemplateFiles.Readme(project), cancellationToken).ConfigureAwait(false);
        await DriverStatsData.WriteAsync(Path.Combine(data, "driver_stats.parquet"), now, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteMinimalRepoAsync(string repo, string project, CancellationToken cancellationToken)
    {
        // data/ receives the registry and the online store once `feast apply` runs.
        Directory.CreateDirectory(Path.Combine(repo, "data"));
        await WriteTextAsync(Path.Combine(repo, "feature_store.yaml"), TemplateFiles.MinimalFeatureStoreYaml(project), cancellationToken).ConfigureAwait(false);
        await WriteTextAsync(Path.Combine(repo, TemplateFiles.MinimalDefinitionsFileName), TemplateFiles.MinimalDefinitions(project), cancellationToken).ConfigureAwait(false);
    }

    // UTF-8 without a byte-order mark and with \n line ends, whatever the platform: the files are meant for source control.
    private static Task WriteTextAsync(string path, string text, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(path, text.ReplaceLineEndings("\n"), Utf8NoBom, cancellationToken);

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the original error is what the user needs to see.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
