using System.Collections.Concurrent;
using System.Globalization;

namespace Feast.DuckDb;

/// <summary>
/// The DuckDB database files (of <see cref="DuckDbSource"/>s) one store reads and writes. Attachments are visible to
/// every connection of the store's DuckDB instance, so each gets a store-wide unique alias; and since a database file
/// attached read-only does not see later writes (and must not be read while it is rewritten), reads and appends of a
/// file are kept apart by a <see cref="DatabaseGate"/>.
/// </summary>
internal sealed class DatabaseFiles : IDisposable
{
    private readonly ConcurrentDictionary<string, DatabaseGate> _gates = new(StringComparer.Ordinal);
    private long _nextAlias;

    /// <summary>The gate of the database file at <paramref name="path"/> (an absolute path).</summary>
    public DatabaseGate GateFor(string path) => _gates.GetOrAdd(path, _ => new DatabaseGate());

    /// <summary>A fresh catalog alias, unique in the store's DuckDB instance.</summary>
    public string NewAlias() =>
        Sql.HelperPrefix + "db_" + Interlocked.Increment(ref _nextAlias).ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
            gate.Dispose();
    }
}

/// <summary>
/// Many readers or one writer of one database file. Readers are sessions that attached the file read-only (they hold
/// the gate until the session ends); a writer appends rows. Readers enter synchronously, as sources are opened in
/// synchronous code; a writer waits asynchronously.
/// </summary>
internal sealed class DatabaseGate : IDisposable
{
    private readonly Lock _readersLock = new();
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private int _readers;

    /// <summary>Enters as a reader, waiting for a running write to finish. Dispose the result to leave.</summary>
    public IDisposable EnterRead(CancellationToken cancellationToken)
    {
        lock (_readersLock)
        {
            // The first reader takes the exclusive slot for all readers; the last one gives it back.
            if (_readers == 0)
                _exclusive.Wait(cancellationToken);
            _readers++;
        }
        return new Exit(ExitRead);
    }

    /// <summary>Enters as the only writer, waiting for readers and other writers to leave. Dispose the result to leave.</summary>
    public async Task<IDisposable> EnterWriteAsync(CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Exit(() => _exclusive.Release());
    }

    public void Dispose() => _exclusive.Dispose();

    private void ExitRead()
    {
        lock (_readersLock)
        {
            if (--_readers == 0)
                _exclusive.Release();
        }
    }

    private sealed class Exit(Action exit) : IDisposable
    {
        private Action? _exit = exit;

        public void Dispose() => Interlocked.Exchange(ref _exit, null)?.Invoke();
    }
}
