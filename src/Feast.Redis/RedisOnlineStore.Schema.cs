// RedisOnlineStore: apply and teardown - deleting a view's fields from every hash of the project.
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Configuration;
using Feast.Online;
using Feast.Redis.Resp;
using StackExchange.Redis;
using RedisType = Feast.Redis.RedisType;

namespace Feast.Redis;

public sealed partial class RedisOnlineStore
{
    /// <inheritdoc/>
    /// <remarks>Redis needs no tables: nothing is created. Deleted views lose their fields (a SCAN of the project's keys
    /// on every master) when <c>full_scan_for_deletion</c> is on, as in Feast.</remarks>
    public async Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(viewsToKeep);
        ArgumentNullException.ThrowIfNull(viewsToDelete);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (viewsToDelete.Count == 0 || !_options.FullScanForDeletion) return;
        await DeleteViewsAsync(project, viewsToDelete, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(views);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        return views.Count == 0 ? Task.CompletedTask : DeleteViewsAsync(project, views, cancellationToken);
    }

    /// <summary>
    /// Feast's <c>delete_table</c>: SCAN every master for the project's keys of the views' join keys; a hash whose only
    /// view is the deleted one is deleted, otherwise the view's fields and <c>_ts:{view}</c> are removed.
    /// </summary>
    private async Task DeleteViewsAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var database = connection.GetDatabase();
        var projectBytes = ProjectBytes(project);
        var current = "";
        try
        {
            foreach (var view in views)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var joinKeys = view.JoinKeys.ToList();
                if (joinKeys.Count == 0) joinKeys.Add(Entity.DummyJoinKey);
                var pattern = RedisLayout.ScanPattern(joinKeys, project, _keyVersion);
                var fields = Fields(view.Name, [.. view.Features.Select(f => f.Name)]);
                foreach (var server in connection.GetServers())
                {
                    if (server.IsReplica) continue;
                    current = RedisConnectionSettings.Format(server.EndPoint);
                    if (!server.IsConnected)
                        throw new FeastException($"The Redis node {current} is not connected, so feature view {view.Name} cannot be deleted from it. Check that the node is running, then run the command again.");
                    var page = new List<RedisKey>(DeletePageSize);
                    await foreach (var key in server.KeysAsync(database.Database, pattern, DeletePageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
                    {
                        if (!IsKeyOf((byte[])key!, projectBytes)) continue;
                        page.Add(key);
                        if (page.Count < DeletePageSize) continue;
                        await DeleteFieldsAsync(database, page, fields).WaitAsync(cancellationToken).ConfigureAwait(false);
                        page.Clear();
                    }
                    if (page.Count > 0) await DeleteFieldsAsync(database, page, fields).WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Failure($"Deleting feature views of project {project} ({(current.Length > 0 ? "at node " + current + " " : "")}) from", e,
                " Some keys may be cleaned already; running the command again is safe.");
        }
    }

    private static async Task DeleteFieldsAsync(IDatabase database, List<RedisKey> keys, FieldSet fields)
    {
        var tsPrefix = "_ts:"u8.ToArray();
        var names = keys.Select(k => database.HashKeysAsync(k)).ToArray();
        await Task.WhenAll(names).ConfigureAwait(false);
        var changes = new List<Task>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var views = 0;
            var ours = false;
            foreach (var name in names[i].Result)
            {
                var bytes = ((ReadOnlyMemory<byte>)name).Span;
                if (!bytes.StartsWith(tsPrefix)) continue;
                views++;
                ours |= bytes.SequenceEqual(fields.TimestampBytes);
            }
            if (!ours) continue;
            changes.Add(views == 1 ? database.KeyDeleteAsync(keys[i]) : database.HashDeleteAsync(keys[i], fields.ReadFields));
        }
        await Task.WhenAll(changes).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="key"/> is exactly an entity key followed by the project: the SCAN pattern
    /// <c>prefix*project</c> also matches the keys of a project whose name ends with this one's.
    /// </summary>
    private bool IsKeyOf(byte[] key, byte[] project)
    {
        if (!key.AsSpan().EndsWith(project)) return false;
        return _keyVersion < 3 || EntityKeyLength(key) == key.Length - project.Length;
    }

    /// <summary>The length of the version-3 entity key at the start of <paramref name="bytes"/>, or -1.</summary>
    internal static int EntityKeyLength(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4) return -1;
        var count = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (count > 1024) return -1;
        var at = 4;
        // Per join key: type and length and name; then per value: type and length and payload.
        for (var part = 0; part < 2 * count; part++)
        {
            if (bytes.Length - at < 8) return -1;
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + 4)..]);
            at += 8;
            if ((uint)(bytes.Length - at) < length) return -1;
            at += (int)length;
        }
        return at;
    }
}
