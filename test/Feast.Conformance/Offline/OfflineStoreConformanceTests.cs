using System.Globalization;
using Feast.Offline;
using Microsoft.Extensions.Time.Testing;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>
/// The offline-store conformance suite: every <see cref="IOfflineStore"/> backend runs these tests, which prove Feast's
/// point-in-time semantics (FEAST-FORMATS.md §7) against a deliberately simple reference join
/// (<see cref="ReferencePointInTimeJoin"/>), Feast's own universal scenarios (§7.6), a randomized differential test, bad
/// inputs, and the shape of the output.
/// </summary>
/// <remarks>
/// A backend subclasses this once:
/// <code>
/// public sealed class DuckDbOfflineStoreConformanceTests : OfflineStoreConformanceTests
/// {
///     protected override IOfflineStore CreateStore(string repoPath) => new DuckDbOfflineStore(repoPath);
/// }
/// </code>
/// Each test makes its own repo folder (a <c>feature_store.yaml</c> and Parquet files under <c>data/</c>), so tests are
/// independent. Feature views name their files relative to the repo (some randomized ones absolutely), and the store is
/// created for that repo. Time is fixed (<see cref="UniversalDataset.Now"/>), never read from the clock.
/// </remarks>
public abstract partial class OfflineStoreConformanceTests : IDisposable
{
    private readonly List<string> _directories = [];
    private bool _disposed;

    /// <summary>A new store of the backend under test, resolving relative source paths against <paramref name="repoPath"/>.</summary>
    protected abstract IOfflineStore CreateStore(string repoPath);

    /// <summary>
    /// The backends of the feature stores the suite opens: the backend under test registers its data-source kinds
    /// here (<c>UseDuckDb()</c>, <c>UsePostgres()</c>), so the registry reads its sources back as its own types.
    /// </summary>
    protected virtual FeastBackends Backends() => new();

    /// <summary>
    /// A query the backend runs to read the entity rows stored in the Parquet file <paramref name="parquetPath"/>, for
    /// <see cref="EntityData.FromSql"/>; null (the default) when the backend takes no SQL entity data, which passes that test
    /// without running it. The backend may load the file into its own storage first.
    /// </summary>
    protected virtual Task<string?> EntityQueryForParquetFileAsync(string parquetPath) => Task.FromResult<string?>(null);

    /// <summary>
    /// Whether the backend reads entity rows from Parquet and CSV files (<see cref="EntityData.FromFile"/>). A backend
    /// that does not must refuse them with a Feast error naming the file; the file-entity tests then check that error,
    /// and the randomized test hands the same rows over as Arrow instead.
    /// </summary>
    protected virtual bool ReadsEntityFiles => true;

    /// <summary>A new repo folder with a minimal <c>feature_store.yaml</c> and an empty <c>data/</c>; deleted when the test ends.</summary>
    private protected string NewRepo()
    {
        var path = Path.Combine(Path.GetTempPath(), "feast-conformance", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(path, "data"));
        _directories.Add(path);
        File.WriteAllText(Path.Combine(path, "feature_store.yaml"), "project: conformance\nregistry: data/registry.db\nonline_store: null\n");
        return path;
    }

    /// <summary>A feature store over <paramref name="repoPath"/> whose offline store is the backend under test.</summary>
    private protected FeatureStore OpenFeatureStore(string repoPath) =>
        FeatureStore.Open(repoPath, options: new FeatureStoreOptions
        {
            Backends = Backends(),
            OfflineStore = CreateStore(repoPath),
            TimeProvider = new FakeTimeProvider(UniversalDataset.Now),
        });

    /// <summary>A repo holding the universal dataset's files, its objects applied.</summary>
    private protected async Task<UniversalRepo> UniversalAsync(bool noTtl = false)
    {
        var repo = NewRepo();
        var data = new UniversalDataset(noTtl);
        await data.WriteAsync(repo);
        var store = OpenFeatureStore(repo);
        await store.ApplyAsync(data.Objects);
        return new UniversalRepo(data, store);
    }

    /// <summary>A repo folder and the store under test over it; disposing it disposes the store.</summary>
    private protected sealed record StoreRepo(string Path, IOfflineStore Store) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }

    /// <summary>The universal dataset applied to a feature store over the store under test; disposing it disposes the feature store (and so the store).</summary>
    private protected sealed record UniversalRepo(UniversalDataset Data, FeatureStore Store) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }

    /// <summary>Runs <paramref name="request"/> on <paramref name="store"/> and reads the whole result through ToArrowAsync.</summary>
    private protected static Task<ResultTable> RunAsync(IOfflineStore store, HistoricalRetrievalRequest request) =>
        ArrowTables.ReadAsync(store.GetHistoricalFeatures(request));

    /// <summary>Asserts that building and reading the retrieval fails with a Feast error, and returns it.</summary>
    private protected static async Task<FeastException> ThrowsFeastErrorAsync(IOfflineStore store, HistoricalRetrievalRequest request) =>
        await Assert.ThrowsAnyAsync<FeastException>(async () => await RunAsync(store, request));

    /// <summary>A one-view request over <paramref name="view"/> asking for <paramref name="features"/> (all when none are given).</summary>
    private protected static HistoricalRetrievalRequest Request(EntityData entities, FeatureView view, bool fullFeatureNames = false, params string[] features)
    {
        ArgumentNullException.ThrowIfNull(view);
        var fields = features.Length == 0 ? view.Features : [.. features.Select(f => view.Features.Single(x => x.Name == f))];
        return new HistoricalRetrievalRequest(entities, [new FeatureViewRequest(view, view.Projection, fields)], fullFeatureNames);
    }

    /// <summary>The reference inputs for every view of <paramref name="request"/>, given each view's source rows.</summary>
    private protected static IReadOnlyList<ReferenceView> ReferenceViews(HistoricalRetrievalRequest request, Func<FeatureView, TestTable> sourceOf)
    {
        ArgumentNullException.ThrowIfNull(request);
        return [.. request.Views.Select(v => new ReferenceView(v, sourceOf(v.View)))];
    }

    private protected static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (!disposing) return;
        foreach (var directory in _directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder must not fail a test.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
