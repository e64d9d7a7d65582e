using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using DuckDB.NET.Data;
using Feast.Configuration;
using Feast.Offline;
using Feast.Offline.Sql;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Feast.DuckDb;

/// <summary>
/// The offline store on embedded DuckDB (Feast.NET's default, also serving Feast's <c>file</c> and <c>dask</c>
/// types). It reads <see cref="FileSource"/> Parquet and CSV files in place, and <see cref="DuckDbSource"/> tables
/// of DuckDB database files and queries, and pushes each point-in-time join down into one DuckDB SQL statement;
/// results stream out as Arrow record batches.
/// </summary>
/// <remarks>
/// The store owns one in-memory DuckDB database; every job execution or store call opens its own connection to
/// it, so calls may run concurrently while DuckDB's thread pool and memory limit are shared. Timestamps are read as
/// UTC and returned as <c>timestamp[us, UTC]</c>. A DuckDB database file is attached read-only for the duration of
/// each call that reads it, so every call sees the file as it is then; appends to it wait for the store's running
/// reads of that file and hold later ones back until they are done.
/// </remarks>
public sealed class DuckDbOfflineStore : IOfflineStore
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _writeLocks = new(StringComparer.Ordinal);
    private readonly DatabaseFiles _databaseFiles = new();
    private readonly string _spillDirectory = Path.Combine(Path.GetTempPath(), "feast-duckdb-" + Guid.NewGuid().ToString("N"));
    private DuckDBConnection? _database;
    private bool _disposed;

    /// <summary>Creates the store for the feature repo at <paramref name="repoPath"/>.</summary>
    /// <param name="repoPath">The repo directory; relative <see cref="FileSource"/> paths and <see cref="DuckDbSource"/> database paths are resolved against it.</param>
    /// <param name="options">The <c>offline_store</c> options (none affect reading local files yet).</param>
    /// <param name="loggerFactory">Where logs go; defaults to nowhere.</param>
    public DuckDbOfflineStore(string repoPath, DuckDbOfflineStoreOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        RepoPath = repoPath.Length == 0 ? "" : Path.GetFullPath(repoPath);
        Options = options ?? new DuckDbOfflineStoreOptions();
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<DuckDbOfflineStore>();
    }

    /// <summary>The repo directory relative source paths are resolved against.</summary>
    public string RepoPath { get; }

    /// <summary>The <c>offline_store</c> options.</summary>
    public DuckDbOfflineStoreOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>The DuckDB database files this store attaches: their aliases and read/write gates.</summary>
    internal DatabaseFiles DatabaseFiles => _databaseFiles;

    /// <inheritdoc/>
    public RetrievalJob GetHistoricalFeatures(HistoricalRetrievalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new DuckDbRetrievalJob(this, request);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<RecordBatch> PullLatestAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        PullAsync(request, latest: true, cancellationToken);

    /// <inheritdoc/>
    public Task<long?> CountLatestAsync(PullRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.Run(() =>
        {
            using var session = OpenSession();
            var source = request.Source.BatchSourceOrSelf();
            var relation = SourceRelation.Open(session, source, RepoPath, $"Source '{source.Name}'", cancellationToken);
            try
            {
                return (long?)Convert.ToInt64(session.Scalar(SqlPullQuery.Count(request, relation), cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (DuckDbError e)
            {
                throw e.In(OfflineStep.Count, relation.Subject);
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads a <see cref="FileSource"/>'s Parquet or CSV schema (one file, a folder or a glob; CSV types as DuckDB
    /// detects them) and a <see cref="DuckDbSource"/>'s table or query columns with DuckDB's <c>DESCRIBE</c>.
    /// </remarks>
    public Task<IReadOnlyList<SourceColumn>?> GetSourceSchemaAsync(DataSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.Run(() =>
        {
            using var session = OpenSession();
            var batch = source.BatchSourceOrSelf();
            var relation = SourceRelation.Open(session, batch, RepoPath, $"Source '{batch.Name}'", cancellationToken);
            return (IReadOnlyList<SourceColumn>?)[.. relation.Columns.Select(DuckDbFeastTypes.Column)];
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<RecordBatch> PullAllAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        PullAsync(request, latest: false, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The batch's columns must be the source's stored columns (before the field mapping), as a set. A single-file
    /// source is rewritten with the old and new rows and swapped in atomically; a folder source gets a new part file.
    /// Values are cast to the types the existing files have. A <see cref="DuckDbSource"/> table gets the rows
    /// appended in one transaction, cast to the table's column types; a DuckDB query source cannot be written to.
    /// The append waits until this store's running reads of that database file end, so do not append to a table
    /// while still enumerating a read of the same database file: that would wait forever.
    /// </remarks>
    public async Task WriteBatchAsync(FeatureView view, RecordBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (view.BatchSource is DuckDbSource duck)
        {
            var (appended, table) = await DuckDbTableWriter.AppendAsync(this, view, duck, batch, cancellationToken).ConfigureAwait(false);
            Logger.Appended(appended, table);
            return;
        }
        var target = OfflineWriter.TargetPath(this, view);
        var writeLock = _writeLocks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var session = OpenSession();
            var rows = OfflineWriter.Append(session, this, view, batch, cancellationToken);
            Logger.Appended(rows, target);
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
                return ValueTask.CompletedTask;
            _disposed = true;
            _database?.Dispose();
            _database = null;
        }
        try
        {
            if (Directory.Exists(_spillDirectory))
                Directory.Delete(_spillDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Spill files are DuckDB's; a leftover temp folder is harmless.
        }
        foreach (var writeLock in _writeLocks.Values)
            writeLock.Dispose();
        _databaseFiles.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A new connection to the store's database (opened on first use).</summary>
    internal DuckDbSession OpenSession()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_database is null)
            {
                var database = new DuckDBConnection("DataSource=:memory:");
                database.Open();
                using (var command = database.CreateCommand())
                {
                    // An in-memory database spills to ./.tmp by default, which would litter the working directory.
                    command.CommandText = $"SET temp_directory = {Sql.Literal(_spillDirectory)}";
                    command.ExecuteNonQuery();
                }
                _database = database;
            }
            var connection = _database.Duplicate();
            try
            {
                if (connection.State != System.Data.ConnectionState.Open)
                    connection.Open();
                return new DuckDbSession(connection, _databaseFiles);
            }
            catch
            {
                // The session owns the connection only once constructed (its constructor runs SQL that can fail).
                connection.Dispose();
                throw;
            }
        }
    }

    private async IAsyncEnumerable<RecordBatch> PullAsync(PullRequest request, bool latest, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var session = OpenSession();
        var source = request.Source.BatchSourceOrSelf();
        var relation = SourceRelation.Open(session, source, RepoPath, $"Source '{source.Name}'", cancellationToken);
        var sql = SqlPullQuery.Build(request, relation, latest);
        Logger.Pulling(source.Name, sql);
        await foreach (var batch in Stream(session, sql, OfflineStep.Pull, relation.Subject, cancellationToken).ConfigureAwait(false))
            yield return batch;
    }

    /// <summary>Streams <paramref name="sql"/>, turning DuckDB errors into one-line <see cref="FeastException"/>s that name the step and the subject.</summary>
    internal static async IAsyncEnumerable<RecordBatch> Stream(DuckDbSession session, string sql, OfflineStep step, string subject,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batches = session.QueryArrowAsync(sql, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (batches.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await batches.MoveNextAsync().ConfigureAwait(false))
                        break;
                }
                catch (DuckDbError e)
                {
                    throw e.In(step, subject);
                }
                yield return batches.Current;
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> and measures it, for log messages.</summary>
    internal static double Time(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
