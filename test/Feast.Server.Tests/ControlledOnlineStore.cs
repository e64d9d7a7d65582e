using Feast.Online;

namespace Feast.Server.Tests;

/// <summary>An online store that delegates to SQLite, with a hook before every read (to slow reads down or break them).</summary>
internal sealed class ControlledOnlineStore(string path) : IOnlineStore
{
    private readonly SqliteOnlineStore _inner = new(path);

    /// <summary>Runs before each read; may delay or throw.</summary>
    public Func<CancellationToken, Task>? BeforeRead { get; set; }

    /// <summary>Runs before each write; may delay or throw.</summary>
    public Func<CancellationToken, Task>? BeforeWrite { get; set; }

    public Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete, CancellationToken cancellationToken = default) =>
        _inner.UpdateAsync(project, viewsToKeep, viewsToDelete, cancellationToken);

    public string DescribeStorage(string project, FeatureView view) => _inner.DescribeStorage(project, view);

    public async Task WriteBatchAsync(string project, FeatureView view, OnlineWriteBatch batch, CancellationToken cancellationToken = default)
    {
        if (BeforeWrite is { } hook) await hook(cancellationToken);
        await _inner.WriteBatchAsync(project, view, batch, cancellationToken);
    }

    public async Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default)
    {
        if (BeforeRead is { } hook) await hook(cancellationToken);
        return await _inner.ReadAsync(project, view, entityKeys, featureNames, cancellationToken);
    }

    public Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default) =>
        _inner.TeardownAsync(project, views, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}

