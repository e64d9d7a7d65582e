using System.Threading.Channels;
using Apache.Arrow;
using Feast.Offline;
using Feast.Online;
using Feast.Protos.Types;
using Feast.Values;

namespace Feast.Materialization;

/// <summary>
/// The local engine (<c>batch_engine: local</c>): per view, streams the latest row per entity in the window out of
/// the offline store as Arrow batches, converts each batch to online rows while the previous one is being written
/// (a two-slot channel, so memory stays flat at any row count). Distributed engines run it per shard on their workers.
/// </summary>
internal sealed class LocalBatchEngine(IOfflineStore offline, IOnlineStore online, int keyVersion) : IBatchEngine
{
    private const int SliceRows = 8192;

    /// <inheritdoc/>
    public async Task<MaterializationCopy> CopyAsync(MaterializationTask task, IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new MaterializationCopy(await CopyShardAsync(task, null, progress, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Copies the rows of <paramref name="task"/> whose keys fall in <paramref name="shard"/> (all rows when null).</summary>
    /// <returns>The rows written.</returns>
    public async Task<long> CopyShardAsync(MaterializationTask task, PullShard? shard, IProgress<MaterializationProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var view = task.View;
        var request = new PullRequest(view.BatchSource, [.. view.JoinKeys], [.. view.Features.Select(f => f.Name)], task.Start, task.End) { Shard = shard };
        var stampWith = task.StampWith;
        var project = task.Project;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<OnlineWriteBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var converter = new BatchConverter(view, keyVersion, stampWith, online.AcceptsSerializedValues);
        var producer = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in offline.PullLatestAsync(request, cts.Token).ConfigureAwait(false))
                {
                    using (batch)
                    {
                        // Slices keep the rows in flight (as boxed protobuf values) few, whatever the engine's batch size.
                        for (var offset = 0; offset < batch.Length; offset += SliceRows)
                        {
                            // A slice shares the batch's buffers: disposing the batch (above) releases them, not the slice.
                            var slice = batch.Slice(offset, Math.Min(SliceRows, batch.Length - offset));
                            await channel.Writer.WriteAsync(converter.Convert(slice), cts.Token).ConfigureAwait(false);
                        }
                    }
                }
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
                throw;
            }
        }, cts.Token);

        long rows = 0;
        // Batches never share an entity key (one latest row per entity), so a store that allows it gets the next batch
        // while the previous one is still being written.
        var writesInFlight = Math.Max(1, online.MaterializationWritesInFlight);
        var writing = new Queue<(Task Write, int Rows)>(writesInFlight);
        async Task CompleteOldestAsync()
        {
            var (write, count) = writing.Dequeue();
            await write.ConfigureAwait(false);
            rows += count;
            progress?.Report(new MaterializationProgress(view.Name, request.Start, request.End, rows, null, TimeSpan.Zero, false));
        }
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(cts.Token).ConfigureAwait(false))
            {
                writing.Enqueue((online.WriteBatchAsync(project, view, batch, cts.Token), batch.Count));
                while (writing.Count >= writesInFlight) await CompleteOldestAsync().ConfigureAwait(false);
            }
            while (writing.Count > 0) await CompleteOldestAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
        catch when (writing.Count > 0 || !producer.IsCompleted || producer.IsFaulted)
        {
            // Stop the producer and the other writes and wait for them, so nothing is still writing when the error is
            // reported; their own errors are echoes of the first.
            await cts.CancelAsync().ConfigureAwait(false);
            foreach (var (write, _) in writing)
            {
                try
                {
                    await write.ConfigureAwait(false);
                }
                catch (Exception)
                {
                }
            }
            // The producer's own error is the one worth reporting (e.g. a bad source), not the channel's echo of it.
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
            }
            throw;
        }
        return rows;
    }

    /// <summary>Turns pulled Arrow batches into online rows: typed values, serialized keys, timestamps.</summary>
    private sealed class BatchConverter(FeatureView view, int keyVersion, DateTimeOffset? stampWith, bool serialized)
    {
        private readonly string[] _joinKeys = [.. view.JoinKeys];
        private readonly string[] _features = [.. view.Features.Select(f => f.Name)];
        private readonly byte[] _dummyKey = EntityKeySerializer.Serialize(Entity.DummyJoinKey, new Value { StringVal = "" }, keyVersion);

        public OnlineWriteBatch Convert(RecordBatch batch)
        {
            var keyReaders = view.EntityColumns.Select(c => ArrowValues.Reader(Column(batch, c.Name), c.Dtype.ValueType, c.Name)).ToArray();
            var eventTs = ArrowValues.TimestampReader(Column(batch, PullRequest.EventTimestampColumn), PullRequest.EventTimestampColumn);
            var createdIndex = batch.Schema.GetFieldIndex(PullRequest.CreatedTimestampColumn);
            var createdTs = createdIndex < 0 ? null : ArrowValues.TimestampReader(batch.Column(createdIndex), PullRequest.CreatedTimestampColumn);
            var keyValues = new Value[_joinKeys.Length];
            OnlineWriteBatch result;
            if (serialized)
            {
                // Keys and timestamps row by row, then each feature column straight into protobuf bytes.
                result = OnlineWriteBatch.Serialized(_features, batch.Length);
                for (var row = 0; row < batch.Length; row++)
                    result.AddRow(Key(keyReaders, keyValues, row), Stamp(eventTs, row), createdTs?.Invoke(row));
                var features = view.Features;
                for (var f = 0; f < features.Count; f++)
                    ArrowValueBytes.WriteColumn(result, f, Column(batch, features[f].Name), features[f].Dtype.ValueType, features[f].Name);
                return result;
            }

            var featureReaders = view.Features.Select(f => ArrowValues.Reader(Column(batch, f.Name), f.Dtype.ValueType, f.Name)).ToArray();
            result = new OnlineWriteBatch(_features, batch.Length);
            var values = new Value?[_features.Length];
            for (var row = 0; row < batch.Length; row++)
            {
                for (var f = 0; f < values.Length; f++) values[f] = featureReaders[f](row);
                result.Add(Key(keyReaders, keyValues, row), values, Stamp(eventTs, row), createdTs?.Invoke(row));
            }
            return result;
        }

        private byte[] Key(Func<int, Value>[] keyReaders, Value[] keyValues, int row)
        {
            if (_joinKeys.Length == 0) return _dummyKey;
            if (_joinKeys.Length == 1) return EntityKeySerializer.Serialize(_joinKeys[0], keyReaders[0](row), keyVersion);
            for (var k = 0; k < keyValues.Length; k++) keyValues[k] = keyReaders[k](row);
            return EntityKeySerializer.Serialize(_joinKeys, keyValues, keyVersion);
        }

        private DateTimeOffset Stamp(Func<int, DateTimeOffset?> eventTs, int row) =>
            stampWith ?? eventTs(row)
            ?? throw new FeastValidationException($"Feature view '{view.Name}': a row of its source has no event timestamp; every row needs one.");

        private IArrowArray Column(RecordBatch batch, string name)
        {
            var index = batch.Schema.GetFieldIndex(name);
            return index >= 0
                ? batch.Column(index)
                : throw new FeastException($"Feature view '{view.Name}': the offline store returned no column '{name}'.");
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
