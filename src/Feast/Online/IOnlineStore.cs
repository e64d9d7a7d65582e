namespace Feast.Online;

/// <summary>
/// A low-latency store of the latest feature values per entity key. One implementation per backend
/// (SQLite, Redis, PostgreSQL), each laid out as Python Feast lays it out.
/// </summary>
public interface IOnlineStore : IAsyncDisposable
{
    /// <summary>
    /// Creates the storage for <paramref name="viewsToKeep"/> (idempotent) and drops it for <paramref name="viewsToDelete"/>.
    /// Called by <c>feast apply</c>.
    /// </summary>
    Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken = default);

    /// <summary>A short description of the storage of <paramref name="view"/>, for plan and apply output (e.g. <c>SQLite table p_v</c>).</summary>
    string DescribeStorage(string project, FeatureView view);

    /// <summary>Removes all storage of <paramref name="project"/> for <paramref name="views"/>. Called by <c>feast teardown</c>.</summary>
    Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default);
}
