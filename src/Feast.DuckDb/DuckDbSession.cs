using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using DuckDB.NET.Data;
using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// One connection to the store's in-memory DuckDB database, used by one job execution or one store call. Temp tables
/// (ingested entity rows, pushed batches) and attached database files live and die with it. The session time zone is
/// UTC, so naive timestamps read from files mean UTC, as in Feast.
/// </summary>
internal sealed class DuckDbSession : IDisposable
{
    /// <summary>Rows per streamed record batch: big enough to amortise per-batch costs, small enough to bound memory.</summary>
    public const int BatchRows = 64 * 1024;

    private readonly DatabaseFiles? _databases;
    private readonly Dictionary<string, Attachment> _attached = new(StringComparer.Ordinal);
    private string? _defaultDatabase;

    public DuckDbSession(DuckDBConnection connection, DatabaseFiles? databases = null)
    {
        Connection = connection;
        _databases = databases;
        Execute("SET TimeZone = 'UTC'", CancellationToken.None);
    }

    public DuckDBConnection Connection { get; }

    /// <summary>The database file made current by <see cref="Use"/>, or null.</summary>
    public string? CurrentDatabasePath { get; private set; }

    /// <summary>
    /// Attaches the DuckDB database file at <paramref name="path"/> (absolute) read-only under a generated alias, once
    /// per session, and returns the alias. The session holds the file's gate as a reader until it ends, so no append
    /// of this store rewrites the file under it. DuckDB errors (not a database, locked by another process) propagate as
    /// <see cref="DuckDbError"/>s.
    /// </summary>
    public string AttachReadOnly(string path, CancellationToken cancellationToken)
    {
        if (_attached.TryGetValue(path, out var existing))
            return existing.Alias;
        var databases = _databases ?? throw new InvalidOperationException("This session cannot attach database files.");
        var gate = databases.GateFor(path).EnterRead(cancellationToken);
        var alias = databases.NewAlias();
        try
        {
            Execute($"ATTACH {Sql.Literal(path)} AS {Sql.Ident(alias)} (READ_ONLY)", cancellationToken);
        }
        catch
        {
            gate.Dispose();
            throw;
        }
        _attached.Add(path, new Attachment(alias, gate));
        return alias;
    }

    /// <summary>
    /// Attaches the database file at <paramref name="path"/> read-write for an append and returns its alias; it is
    /// detached when the session ends. The caller must hold the file's gate as the writer.
    /// </summary>
    public string AttachReadWrite(string path, CancellationToken cancellationToken)
    {
        var databases = _databases ?? throw new InvalidOperationException("This session cannot attach database files.");
        if (_attached.ContainsKey(path))
            throw new InvalidOperationException($"Database '{path}' is already attached in this session.");
        var alias = databases.NewAlias();
        Execute($"ATTACH {Sql.Literal(path)} AS {Sql.Ident(alias)} (READ_WRITE)", cancellationToken);
        _attached.Add(path, new Attachment(alias, null));
        return alias;
    }

    /// <summary>
    /// Makes the attached database at <paramref name="path"/> the session's current database (DuckDB's <c>USE</c>),
    /// so unqualified table names in query sources resolve in it. Temp tables stay reachable.
    /// </summary>
    public void Use(string path, CancellationToken cancellationToken)
    {
        if (CurrentDatabasePath == path)
            return;
        var alias = _attached[path].Alias;
        _defaultDatabase ??= (string)Scalar("SELECT current_database()", cancellationToken)!;
        Execute($"USE {Sql.Ident(alias)}", cancellationToken);
        CurrentDatabasePath = path;
    }

    public void Execute(string sql, CancellationToken cancellationToken)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        using var registration = RegisterCancel(command, cancellationToken);
        Run(() => command.ExecuteNonQuery(), cancellationToken);
    }

    public object? Scalar(string sql, CancellationToken cancellationToken)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        using var registration = RegisterCancel(command, cancellationToken);
        var value = Run(command.ExecuteScalar, cancellationToken);
        return value is DBNull ? null : value;
    }

    /// <summary>The columns <paramref name="selectSql"/> would return, without running it.</summary>
    public IReadOnlyList<SqlColumn> Describe(string selectSql, CancellationToken cancellationToken)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = "DESCRIBE " + selectSql;
        using var registration = RegisterCancel(command, cancellationToken);
        return Run(() =>
        {
            using var reader = command.ExecuteReader();
            var columns = new List<SqlColumn>();
            while (reader.Read())
                columns.Add(new SqlColumn(reader.GetString(0), reader.GetString(1)));
            return columns;
        }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="action"/> (DuckDB work on this session's connection, such as an appender's rows), turning a
    /// <see cref="DuckDBException"/> into an <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/>
    /// interrupted it and into a <see cref="DuckDbError"/> otherwise. Every DuckDB call of the store goes through here,
    /// so no DuckDB exception reaches users.
    /// </summary>
    public static void Run(Action action, CancellationToken cancellationToken) =>
        Run<object?>(() =>
        {
            action();
            return null;
        }, cancellationToken);

    /// <inheritdoc cref="Run(Action, CancellationToken)"/>
    public static T Run<T>(Func<T> action, CancellationToken cancellationToken)
    {
        try
        {
            return action();
        }
        catch (DuckDBException e)
        {
            throw Translate(e, cancellationToken);
        }
    }

    private static Exception Translate(DuckDBException e, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? new OperationCanceledException(e.Message, e, cancellationToken)
            : new DuckDbError(e);

    /// <summary>
    /// Runs <paramref name="sql"/> and streams the result as record batches of about <see cref="BatchRows"/> rows.
    /// DuckDB hands out 2,048-row chunks already in Arrow layout; they are concatenated per column. An empty result
    /// yields one empty batch, so callers always see the schema.
    /// </summary>
    public async IAsyncEnumerable<RecordBatch> QueryArrowAsync(string sql, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.UseStreamingMode = true;
        using var registration = RegisterCancel(command, cancellationToken);
        Apache.Arrow.Ipc.IArrowArrayStream stream;
        try
        {
            stream = command.ExecuteArrowStream();
        }
        catch (DuckDBException e)
        {
            throw Translate(e, cancellationToken);
        }

        using (stream)
        {
            var schema = stream.Schema;
            var pending = new List<RecordBatch>();
            var pendingRows = 0;
            var yielded = false;
            while (true)
            {
                RecordBatch? chunk;
                try
                {
                    chunk = await stream.ReadNextRecordBatchAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DuckDBException e)
                {
                    throw Translate(e, cancellationToken);
                }

                if (chunk is null)
                    break;
                if (chunk.Length == 0)
                {
                    chunk.Dispose();
                    continue;
                }
                pending.Add(chunk);
                pendingRows += chunk.Length;
                if (pendingRows >= BatchRows)
                {
                    yield return Concatenate(schema, pending, pendingRows);
                    yielded = true;
                    pending.Clear();
                    pendingRows = 0;
                }
            }

            if (pendingRows > 0)
                yield return Concatenate(schema, pending, pendingRows);
            else if (!yielded)
                yield return new RecordBatch(schema, schema.FieldsList.Select(f => EmptyArray(f.DataType)), 0);
        }
    }

    /// <summary>Detaches the session's database files (leaving their gates), then closes the connection.</summary>
    public void Dispose()
    {
        try
        {
            // Attachments belong to the whole DuckDB instance, so they must not outlive the session.
            if (CurrentDatabasePath is not null && _defaultDatabase is not null)
                TryExecute($"USE {Sql.Ident(_defaultDatabase)}");
            foreach (var attachment in _attached.Values)
            {
                TryExecute($"DETACH {Sql.Ident(attachment.Alias)}");
                attachment.Gate?.Dispose();
            }
            _attached.Clear();
        }
        finally
        {
            Connection.Dispose();
        }
    }

    private void TryExecute(string sql)
    {
        try
        {
            Execute(sql, CancellationToken.None);
        }
        catch (DuckDbError)
        {
            // Cleanup of a session whose connection already failed; the connection is closed next.
        }
    }

    private sealed record Attachment(string Alias, IDisposable? Gate);

    private static CancellationTokenRegistration RegisterCancel(DuckDBCommand command, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state =>
            {
                try
                {
                    ((DuckDBCommand)state!).Cancel();
                }
                catch (InvalidOperationException)
                {
                    // The command already finished; nothing to interrupt.
                }
            }, command)
            : default;

    private static RecordBatch Concatenate(Schema schema, List<RecordBatch> batches, int rows)
    {
        if (batches.Count == 1)
            return batches[0];
        var arrays = new IArrowArray[schema.FieldsList.Count];
        var parts = new List<IArrowArray>(batches.Count);
        for (var column = 0; column < arrays.Length; column++)
        {
            parts.Clear();
            foreach (var batch in batches)
                parts.Add(batch.Column(column));
            arrays[column] = ArrowArrayConcatenator.Concatenate(parts);
        }
        foreach (var batch in batches)
            batch.Dispose();
        return new RecordBatch(schema, arrays, rows);
    }

    /// <summary>A zero-length array of any type DuckDB produces (primitive, string, binary, list, map, struct).</summary>
    internal static IArrowArray EmptyArray(IArrowType type) => ArrowArrayFactory.BuildArray(EmptyData(type));

    private static ArrayData EmptyData(IArrowType type)
    {
        var offsets = new ArrowBuffer(new byte[sizeof(int)]);
        return type switch
        {
            NullType => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty], []),
            StringType or BinaryType => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty, offsets, ArrowBuffer.Empty], []),
            LargeStringType or LargeBinaryType => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(new byte[sizeof(long)]), ArrowBuffer.Empty], []),
            ListType list => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty, offsets], [EmptyData(list.ValueDataType)]),
            MapType map => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty, offsets], [EmptyData(map.KeyValueType)]),
            FixedSizeListType list => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty], [EmptyData(list.ValueDataType)]),
            StructType st => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty], [.. st.Fields.Select(f => EmptyData(f.DataType))]),
            _ => new ArrayData(type, 0, 0, 0, [ArrowBuffer.Empty, ArrowBuffer.Empty], []),
        };
    }
}

/// <summary>
/// A DuckDB failure, as a <see cref="FeastException"/> with DuckDB's message on one line (a native stack trace that
/// DuckDB appends to internal errors is dropped). <see cref="DuckDbSession"/> raises it for every DuckDB error; callers
/// that know what was being read or written catch it and <see cref="In"/> says that.
/// </summary>
internal sealed class DuckDbError : FeastException
{
    public DuckDbError(DuckDBException inner) : this(inner.Message, inner)
    {
    }

    private DuckDbError(string message, Exception inner) : base("DuckDB failed: " + EngineErrors.OneLine(message), inner) =>
        Reason = EngineErrors.OneLine(message);

    /// <summary>DuckDB's own message, on one line.</summary>
    public string Reason { get; }

    /// <summary>What a user can try, by DuckDB's error type (the message's "... Error:" prefix).</summary>
    public string Hint => HintFor(Reason);

    /// <inheritdoc/>
    public override string FeastErrorClass => nameof(FeastException);

    /// <summary>The error as a <see cref="FeastException"/> naming the step and the subject ("Source 'x' ('/repo/x.csv')"), with a hint.</summary>
    public FeastException In(OfflineStep step, string subject) =>
        new(EngineErrors.Message("DuckDB", step, subject, Reason, Hint), this);

    internal static string HintFor(string reason) =>
        reason.StartsWith("INTERNAL Error", StringComparison.OrdinalIgnoreCase)
            ? "This is a fault inside DuckDB rather than in your data; as a workaround read the source through a DuckDbSource query that casts its columns (e.g. CAST(ts AS TIMESTAMP)), and please report it with the source's column types."
        : reason.StartsWith("Conversion Error", StringComparison.OrdinalIgnoreCase) || reason.StartsWith("Invalid Input Error", StringComparison.OrdinalIgnoreCase)
            ? "A value in the source does not fit its column's type: check the source's column types (CSV types are detected from a sample of rows), or cast the columns in a DuckDbSource query."
        : reason.StartsWith("IO Error", StringComparison.OrdinalIgnoreCase) || reason.StartsWith("HTTP Error", StringComparison.OrdinalIgnoreCase)
            ? "Check that the source's files exist, are readable, and are valid Parquet or CSV."
        : reason.StartsWith("Out of Memory Error", StringComparison.OrdinalIgnoreCase)
            ? "DuckDB ran out of memory: narrow the time window or the entity rows, or read fewer features at once."
        : "Check the source's definition (timestamp_field, created_timestamp_column, field_mapping, query) against its data.";
}
