// SqliteOnlineStore: connections - opening, the writer and reader pool, and the file-identity checks (a deleted or replaced file).
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Feast.Online;

public sealed partial class SqliteOnlineStore
{
    /// <inheritdoc/>
    public Task CheckStorageAsync(CancellationToken cancellationToken = default)
    {
        if (Moved() is not { } moved) return Task.CompletedTask;
        // Readers of the old file are not pooled again. A replaced file is adopted when the writer can let go of the old
        // one now (otherwise at the next write); a deleted one stays an error until it is restored or re-applied.
        InvalidateReaders();
        if (moved.Replaced && _writeLock.Wait(0, CancellationToken.None))
        {
            try
            {
                CloseConnections();
                _opened = null;
            }
            finally
            {
                _writeLock.Release();
            }
        }
        return Task.FromException(moved.Error);
    }

    /// <summary>Whether the file the connections have open was deleted or replaced; null when it is still there (or none was opened).</summary>
    private (bool Replaced, FeastException Error)? Moved()
    {
        if (_opened is not { } opened) return null;
        var now = FileIdentity.Of(Path);
        if (now is null)
        {
            return (false, new FeastException(
                $"The SQLite online store file {Path} was deleted while in use; nothing is read from or written to the deleted copy. " +
                "Restore the file, or run feast apply to create a new one and materialize again."));
        }
        return now == opened ? null : (true, new FeastException(
            $"The SQLite online store file {Path} was replaced by another file while in use; the store now opens the new file. " +
            "Check what replaced it, then retry."));
    }

    private SqliteConnection Open(bool create = false)
    {
        // A file that existed and is gone was deleted under us: opening would create an empty one in its place.
        if (!create && _opened is not null && !File.Exists(Path))
            throw Moved()?.Error ?? new FeastException($"The SQLite online store file {Path} is gone.");
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            // WAL lets readers run while a batch is written; NORMAL syncs at checkpoints, not at every commit.
            Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;");
            _opened ??= FileIdentity.Of(Path);
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new FeastException($"The SQLite online store {Path} could not be opened: {e.Message}", e);
        }
    }

    private WriteConnection GetWriter(bool create = false)
    {
        if (_writer is not null) return _writer;
        var connection = Open(create);
        // Up to 64 MiB of page cache for the writer (allocated as used): large batches then rarely spill pages mid-transaction.
        Execute(connection, null, "PRAGMA cache_size=-65536;");
        return _writer = new WriteConnection(connection);
    }

    // The generation changes (under the pool's lock) whenever the schema changes or the file goes away; a reader of an
    // older generation is closed instead of being pooled again, so its prepared statements never outlive the schema.
    private ReadConnection RentReader()
    {
        int generation;
        lock (_idleReaders)
        {
            generation = _generation;
            if (_idleReaders.TryPop(out var idle)) return idle;
        }
        return new ReadConnection(Open(), generation);
    }

    private void ReturnReader(ReadConnection reader, bool healthy)
    {
        lock (_idleReaders)
        {
            if (healthy && !_disposed && reader.Generation == _generation && _idleReaders.Count < _maxIdleReaders)
            {
                _idleReaders.Push(reader);
                return;
            }
        }
        reader.Dispose();
    }

    private void InvalidateReaders()
    {
        List<ReadConnection> idle;
        lock (_idleReaders)
        {
            _generation++;
            idle = [.. _idleReaders];
            _idleReaders.Clear();
        }
        foreach (var reader in idle) reader.Dispose();
    }

    private void CloseConnections()
    {
        _writer?.Dispose();
        _writer = null;
        InvalidateReaders();
    }
}
