// SqliteOnlineStore: state, construction, naming helpers and disposal; the rest is in SqliteOnlineStore.*.cs by concern.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Feast.Online;

/// <summary>
/// The SQLite online store in Python Feast's layout: one file, one table per feature view named
/// <c>{project}_{view}</c>, one row per (entity key, feature).
/// </summary>
/// <remarks>
/// Connections are opened lazily and kept open: one writer (writes and schema changes take turns on it) and a small
/// pool of readers, each with its prepared statements. The database runs in WAL mode so reads proceed while a batch is
/// written. Writes sort a batch by entity key and upsert all features of a row in one statement; the hot loops bind
/// through SQLitePCL (the layer under Microsoft.Data.Sqlite, on the same connections) by index from reused buffers.
/// SQLite is synchronous, so the work runs on the calling thread; cancellation is checked between chunks of rows.
/// </remarks>
public sealed partial class SqliteOnlineStore : IOnlineStore
{
    /// <summary>
    /// The most keys one SELECT binds. Larger key lists are read in chunks; key counts are rounded up to a power of two
    /// (the last key repeated) so a handful of prepared statements per table serve every request size.
    /// </summary>
    internal const int MaxKeysPerQuery = 256;

    /// <summary>The most features one INSERT writes (two parameters each).</summary>
    internal const int MaxFeaturesPerInsert = 64;

    /// <summary>Entity rows per write transaction.</summary>
    internal const int RowsPerTransaction = 10_000;

    private const int MaxStatementsPerConnection = 128;
    private const long UnixEpochTicks = 621_355_968_000_000_000;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Stack<ReadConnection> _idleReaders = new();
    private readonly int _maxIdleReaders = Math.Max(4, Environment.ProcessorCount);
    private WriteConnection? _writer;
    private int _generation;

    // The file the connections have open, once one was opened: a file deleted or replaced under the same path is noticed
    // (CheckStorageAsync, every write) instead of being read from, written to, or silently re-created empty.
    private volatile FileIdentity? _opened;
    private volatile bool _disposed;

    /// <summary>Creates the store over the database file at <paramref name="path"/> (created on first use).</summary>
    /// <param name="path">The database file.</param>
    /// <param name="lastWriteWins">
    /// Let every write replace what is stored (yaml <c>last_write_wins</c>). By default a row replaces the stored one
    /// only when its event timestamp is newer, or equal with a created timestamp that is not older.
    /// </param>
    public SqliteOnlineStore(string path, bool lastWriteWins = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LastWriteWins = lastWriteWins;
        Path = System.IO.Path.GetFullPath(path);
        // Pooling is off because the store keeps its own connections open; disposing one really closes it.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();
    }

    /// <summary>The absolute path of the database file.</summary>
    public string Path { get; }

    /// <summary>Whether every write replaces what is stored, even a newer value.</summary>
    public bool LastWriteWins { get; }

    /// <summary>The table Feast uses for <paramref name="view"/> in <paramref name="project"/>.</summary>
    public static string TableName(string project, string view) => $"{project}_{view}";

    /// <inheritdoc/>
    public string DescribeStorage(string project, FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return $"SQLite table {TableName(project, view.Name)}";
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Python's <c>int(datetime.timestamp())</c>: whole seconds, truncated toward zero.</summary>
    private static long EpochSeconds(DateTimeOffset timestamp) => (timestamp.UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerSecond;

    private static bool IsMissingTable(SqliteException e) =>
        e.SqliteErrorCode == 1 && e.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase);

    private FeastException MissingTable(string table, string viewName, Exception inner) => new(
        $"The SQLite online store {Path} has no table {table} for feature view '{viewName}'. Run `feast apply` to create the online tables of the project's feature views.",
        inner);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        // Waits for a write in progress; readers in use close when they are returned.
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            CloseConnections();
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
