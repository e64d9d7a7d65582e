using System.Data;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Feast.Offline.Sql;
using Npgsql;

namespace Feast.Postgres.Offline;

/// <summary>Moves Arrow data in and out of PostgreSQL: binary COPY into a table, and streamed reads into record batches.</summary>
internal static class PgArrow
{
    /// <summary>Rows per Arrow batch read from a result.</summary>
    public const int BatchRows = 65_536;

    /// <summary>The columns of <paramref name="schema"/> as PostgreSQL columns, failing on types that have no PostgreSQL type here.</summary>
    /// <param name="schema">The Arrow schema.</param>
    /// <param name="what">What the rows are, for messages ("The entity data").</param>
    public static IReadOnlyList<SqlColumn> Columns(Schema schema, string what) =>
        [.. schema.FieldsList.Select(f => new SqlColumn(f.Name, PgTypes.FromArrow(f.DataType)?.Sql
            ?? throw new FeastValidationException($"{what}: column '{f.Name}' has Arrow type {f.DataType.Name}, which the PostgreSQL offline store cannot upload. Use numbers, strings, bools, binary, dates or timestamps.")))];

    /// <summary>
    /// Creates <paramref name="table"/> (a quoted, possibly qualified name) with the Arrow schema's columns (plus a
    /// bigint <paramref name="rowColumn"/> numbering the rows from 0 when given) and fills it by binary COPY.
    /// </summary>
    public static async Task<long> CreateAndCopyAsync(NpgsqlConnection connection, string table, bool temporary, Schema schema,
        IEnumerable<RecordBatch> batches, string what, string? rowColumn, CancellationToken cancellationToken)
    {
        var columns = Columns(schema, what);
        var definitions = columns.Select(c => $"{PostgresConnections.Quote(c.Name)} {c.Type}").ToList();
        if (rowColumn is not null) definitions.Add($"{PostgresConnections.Quote(rowColumn)} bigint");
        var create = $"CREATE {(temporary ? "TEMP " : "")}TABLE {table} ({string.Join(", ", definitions)})";
        using (var command = new NpgsqlCommand(create, connection))
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return await CopyAsync(connection, table, schema, batches, rowColumn, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends the batches to <paramref name="table"/> by binary COPY (columns by the schema's names); returns the row count.</summary>
    public static async Task<long> CopyAsync(NpgsqlConnection connection, string table, Schema schema, IEnumerable<RecordBatch> batches,
        string? rowColumn, CancellationToken cancellationToken)
    {
        var types = schema.FieldsList.Select(f => PgTypes.FromArrow(f.DataType)!.Value.Db).ToArray();
        var names = schema.FieldsList.Select(f => PostgresConnections.Quote(f.Name)).ToList();
        if (rowColumn is not null) names.Add(PostgresConnections.Quote(rowColumn));
        long row = 0;
        var writer = await connection.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", names)}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var batch in batches)
            {
                for (var r = 0; r < batch.Length; r++)
                {
                    await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    for (var c = 0; c < types.Length; c++)
                    {
                        var value = PgTypes.Value(batch.Column(c), r);
                        if (value is null) await writer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                        else await writer.WriteAsync(value, types[c], cancellationToken).ConfigureAwait(false);
                    }
                    if (rowColumn is not null) await writer.WriteAsync(row, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    row++;
                }
            }
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        return row;
    }

    /// <summary>The columns of the relation <paramref name="from"/> (read with <c>LIMIT 0</c>, no rows).</summary>
    public static async Task<IReadOnlyList<SqlColumn>> DescribeAsync(NpgsqlConnection connection, string from, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand($"SELECT * FROM {from} LIMIT 0", connection);
        using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken).ConfigureAwait(false);
        return [.. Enumerable.Range(0, reader.FieldCount).Select(i => new SqlColumn(reader.GetName(i), reader.GetDataTypeName(i)))];
    }

    /// <summary>Runs <paramref name="command"/> and streams its rows as Arrow batches of at most <see cref="BatchRows"/> rows.</summary>
    /// <remarks>An empty result still yields one empty batch, so callers always see the schema.</remarks>
    public static async IAsyncEnumerable<RecordBatch> ReadAsync(NpgsqlCommand command, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        var finished = false;
        try
        {
            var columns = Enumerable.Range(0, reader.FieldCount).Select(i => PgTypes.ReaderFor(reader.GetDataTypeName(i))).ToArray();
            var schema = new Schema(columns.Select((c, i) => new Apache.Arrow.Field(reader.GetName(i), c.Type, nullable: true)), null);
            var rows = 0;
            var yielded = false;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                for (var i = 0; i < columns.Length; i++) columns[i].Append(reader, i);
                if (++rows == BatchRows)
                {
                    yield return new RecordBatch(schema, columns.Select(c => c.Flush()), rows);
                    yielded = true;
                    rows = 0;
                }
            }
            if (rows > 0 || !yielded)
                yield return new RecordBatch(schema, columns.Select(c => c.Flush()), rows);
            finished = true;
        }
        finally
        {
            // A consumer that stops early must not make disposal read the rest of a large result: cancel it server-side.
            if (!finished)
            {
                try
                {
                    command.Cancel();
                }
                catch (NpgsqlException)
                {
                    // The connection is closed with the reader anyway.
                }
            }
            try
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
            catch (PostgresException e) when (!finished && e.SqlState == PostgresErrorCodes.QueryCanceled)
            {
                // The cancellation asked for above.
            }
        }
    }
}
