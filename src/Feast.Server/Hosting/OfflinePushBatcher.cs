using Feast.Online;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Hosting;

/// <summary>
/// Feast's offline push batching (<c>feature_server.offline_push_batching_enabled</c>): the offline part of a
/// <c>/push</c> is buffered and appended to the offline store in one write per push source when
/// <c>offline_push_batching_batch_size</c> rows have gathered or every <c>offline_push_batching_batch_interval_seconds</c>,
/// whichever comes first. Pushes with different <c>allow_registry_cache</c>/<c>transform_on_write</c> flags (or different
/// columns) are never merged. Whatever is buffered is written when the server stops.
/// </summary>
internal sealed class OfflinePushBatcher : BackgroundService
{
    /// <summary>Rows per batch when the yaml enables batching without a size.</summary>
    public const int DefaultBatchSize = 1000;

    /// <summary>Seconds between flushes when the yaml enables batching without an interval.</summary>
    public const int DefaultIntervalSeconds = 10;

    private readonly FeastServerState _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<BatchKey, List<FeatureRows>> _buffers = [];
    private readonly SemaphoreSlim _full = new(0, 1);
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private int _buffered;

    public OfflinePushBatcher(FeastServerState state, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _state = state;
        _time = time;
        _logger = loggerFactory.CreateLogger("Feast.Server.OfflinePushBatcher");
        var config = state.Store.Config.FeatureServer;
        Enabled = config.OfflinePushBatchingEnabled == true;
        BatchSize = config.OfflinePushBatchingBatchSize is > 0 and var size ? size : DefaultBatchSize;
        Interval = TimeSpan.FromSeconds(config.OfflinePushBatchingBatchIntervalSeconds is > 0 and var seconds ? seconds : DefaultIntervalSeconds);
    }

    public bool Enabled { get; }

    public int BatchSize { get; }

    public TimeSpan Interval { get; }

    /// <summary>Rows waiting to be written.</summary>
    public int Buffered => Volatile.Read(ref _buffered);

    /// <summary>Buffers the offline part of a push (the endpoint has checked the push source exists).</summary>
    public void Enqueue(string pushSourceName, FeatureRows rows, bool allowRegistryCache, bool transformOnWrite)
    {
        var key = new BatchKey(pushSourceName, allowRegistryCache, transformOnWrite, string.Join('\u001f', rows.ColumnNames));
        bool full;
        lock (_lock)
        {
            if (!_buffers.TryGetValue(key, out var list)) _buffers[key] = list = [];
            list.Add(rows);
            _buffered += rows.Count;
            full = _buffered >= BatchSize;
        }
        if (full && _full.CurrentCount == 0)
        {
            try
            {
                _full.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another push signalled first; one flush takes both.
            }
        }
    }

    /// <summary>Writes everything buffered now.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<KeyValuePair<BatchKey, List<FeatureRows>>> batches;
            lock (_lock)
            {
                batches = [.. _buffers];
                _buffers.Clear();
                _buffered = 0;
            }
            foreach (var (key, parts) in batches)
            {
                var rows = Merge(parts);
                try
                {
                    if (!key.AllowRegistryCache) await _state.Store.GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
                    await _state.Store.PushAsync(key.PushSource, rows, PushMode.Offline, key.TransformOnWrite, cancellationToken).ConfigureAwait(false);
                    LogMessages.OfflinePushFlushed(_logger, key.PushSource, rows.Count);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The client was answered 202 already: the log is the only place left to say it.
                    LogMessages.OfflinePushFailed(_logger, key.PushSource, rows.Count, e.Message, e);
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled) return;
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                var full = _full.WaitAsync(stoppingToken);
                await Task.WhenAny(tick, full).ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Nothing pushed is dropped on a graceful stop.
        if (Enabled && Buffered > 0) await FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _full.Dispose();
        _flushing.Dispose();
        base.Dispose();
    }

    private static FeatureRows Merge(List<FeatureRows> parts)
    {
        if (parts.Count == 1) return parts[0];
        var names = parts[0].ColumnNames;
        var columns = new Dictionary<string, IReadOnlyList<object?>>(names.Count, StringComparer.Ordinal);
        foreach (var name in names)
        {
            var values = new List<object?>(parts.Sum(p => p.Count));
            foreach (var part in parts)
            {
                var column = part.Column(name);
                for (var row = 0; row < part.Count; row++) values.Add(column(row));
            }
            columns[name] = values;
        }
        return FeatureRows.FromColumns(columns);
    }

    private sealed record BatchKey(string PushSource, bool AllowRegistryCache, bool TransformOnWrite, string Columns);
}
