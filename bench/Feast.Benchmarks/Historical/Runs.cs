using System.Text.RegularExpressions;
using Apache.Arrow;
using Apache.Arrow.Types;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;
using Feast.DuckDb;
using Feast.Offline;

namespace Feast.Benchmarks.Historical;

/// <summary>The measured bodies the cases are built from: Feast.NET calls and raw DuckDB.NET calls.</summary>
internal static class Runs
{
    /// <summary>Feast.NET: a new store, <c>GetHistoricalFeatures(...).ToParquetAsync(path)</c>, the store disposed.</summary>
    public static async Task FeastParquetAsync(CaseContext context, Func<EntityData> entities, Func<EntityData, HistoricalRetrievalRequest> request,
        string intColumn, string floatColumn)
    {
        var output = Path.Combine(context.ScratchDirectory, "feast.parquet");
        var entityData = entities();
        using (context.Measure())
        {
            await using var store = new DuckDbOfflineStore(context.Data.Directory);
            await store.GetHistoricalFeatures(request(entityData)).ToParquetAsync(output);
        }
        VerifyParquet(context, output, intColumn, floatColumn);
    }

    /// <summary>Feast.NET: a new store, <c>GetHistoricalFeatures(...).ToArrowAsync()</c> read to the end, every value touched.</summary>
    public static async Task FeastArrowAsync(CaseContext context, Func<EntityData> entities, Func<EntityData, HistoricalRetrievalRequest> request,
        string intColumn, string floatColumn)
    {
        var consumer = new ResultConsumer(intColumn, floatColumn);
        var entityData = entities();
        using (context.Measure())
        {
            await using var store = new DuckDbOfflineStore(context.Data.Directory);
            await foreach (var batch in store.GetHistoricalFeatures(request(entityData)).ToArrowAsync())
            {
                context.FirstBatch();
                consumer.Consume(batch);
                batch.Dispose();
            }
        }
        context.Rows = consumer.Rows;
        context.Checksum = consumer.Checksum;
    }

    /// <summary>
    /// Feast.NET, warm: one store serves a first call (not measured: it JIT-compiles the code paths and opens the
    /// database) and then the measured second call, as in a long-running service.
    /// </summary>
    public static async Task FeastArrowWarmAsync(CaseContext context, Func<EntityData> entities, Func<EntityData, HistoricalRetrievalRequest> request,
        string intColumn, string floatColumn)
    {
        await using var store = new DuckDbOfflineStore(context.Data.Directory);
        var warmup = new ResultConsumer(intColumn, floatColumn);
        await foreach (var batch in store.GetHistoricalFeatures(request(entities())).ToArrowAsync())
        {
            warmup.Consume(batch);
            batch.Dispose();
        }

        var consumer = new ResultConsumer(intColumn, floatColumn);
        var entityData = entities();
        using (context.Measure())
        {
            await foreach (var batch in store.GetHistoricalFeatures(request(entityData)).ToArrowAsync())
            {
                context.FirstBatch();
                consumer.Consume(batch);
                batch.Dispose();
            }
        }
        context.Rows = consumer.Rows;
        context.Checksum = consumer.Checksum;
    }

    /// <summary>Raw DuckDB, warm: one connection runs the query once (not measured), then the measured second time.</summary>
    public static void RawReaderWarm(CaseContext context, string sql, string intColumn, string floatColumn)
    {
        using var connection = OpenRaw(context);
        Read(connection, sql, new ResultConsumer(intColumn, floatColumn), null);
        var consumer = new ResultConsumer(intColumn, floatColumn);
        using (context.Measure())
            Read(connection, sql, consumer, context);
        context.Rows = consumer.Rows;
        context.Checksum = consumer.Checksum;
    }

    /// <summary>Raw DuckDB: <c>COPY (sql) TO 'raw.parquet' (FORMAT parquet)</c> on a new in-memory database.</summary>
    public static void RawParquet(CaseContext context, string sql, string intColumn, string floatColumn)
    {
        var output = Path.Combine(context.ScratchDirectory, "raw.parquet");
        using (context.Measure())
        {
            using var connection = OpenRaw(context);
            Execute(connection, $"COPY (\n{sql}\n) TO {DataSets.Literal(output)} (FORMAT parquet)");
        }
        VerifyParquet(context, output, intColumn, floatColumn);
    }

    /// <summary>Raw DuckDB: the query streamed through a <see cref="System.Data.Common.DbDataReader"/>, every value read.</summary>
    /// <param name="context">The case context.</param>
    /// <param name="sql">The query.</param>
    /// <param name="intColumn">The int64 checksum column.</param>
    /// <param name="floatColumn">The float32 checksum column.</param>
    /// <param name="setup">A statement run first on the same connection (say, creating a temp table the query reads).</param>
    public static void RawReader(CaseContext context, string sql, string intColumn, string floatColumn, string? setup = null)
    {
        var consumer = new ResultConsumer(intColumn, floatColumn);
        using (context.Measure())
        {
            using var connection = OpenRaw(context);
            if (setup is not null)
                Execute(connection, setup);
            Read(connection, sql, consumer, context);
        }
        context.Rows = consumer.Rows;
        context.Checksum = consumer.Checksum;
    }

    private static void Read(DuckDBConnection connection, string sql, ResultConsumer consumer, CaseContext? context)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        consumer.Consume(reader, context);
    }

    /// <summary>Raw DuckDB: the query streamed as DuckDB.NET's Arrow chunks (no re-batching), every value touched.</summary>
    public static async Task RawArrowAsync(CaseContext context, string sql, string intColumn, string floatColumn)
    {
        var consumer = new ResultConsumer(intColumn, floatColumn);
        using (context.Measure())
        {
            using var connection = OpenRaw(context);
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.UseStreamingMode = true;
            using var stream = command.ExecuteArrowStream();
            while (await stream.ReadNextRecordBatchAsync() is { } batch)
            {
                context.FirstBatch();
                consumer.Consume(batch);
                batch.Dispose();
            }
        }
        context.Rows = consumer.Rows;
        context.Checksum = consumer.Checksum;
    }

    /// <summary>The SQL the store would run for <paramref name="request"/> (from <see cref="RetrievalJob.ToSql"/>).</summary>
    public static async Task<string> FeastSqlAsync(CaseContext context, HistoricalRetrievalRequest request)
    {
        await using var store = new DuckDbOfflineStore(context.Data.Directory);
        return store.GetHistoricalFeatures(request).ToSql();
    }

    /// <summary>
    /// <paramref name="sql"/> with every <c>CAST(column AS TIMESTAMPTZ)</c> replaced by
    /// <c>make_timestamptz(epoch_us(column))</c>: the same instant for a naive timestamp read as UTC, without the
    /// ICU time-zone conversion a cast does per value. A what-if for the store (the columns cast are naive here).
    /// </summary>
    public static string WithCheapInstants(string sql) =>
        Regex.Replace(sql, @"CAST\(((?:""[^""]*"")+) AS TIMESTAMPTZ\)", "make_timestamptz(epoch_us($1))");

    /// <summary>
    /// The entity rows of a Parquet file as one in-memory Arrow record batch (driver_id int64, event_timestamp
    /// timestamp[us, UTC]), as a caller holding a data frame would pass them. Built outside the measured section.
    /// </summary>
    public static RecordBatch ReadEntityBatch(string path)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT driver_id, event_timestamp FROM read_parquet({DataSets.Literal(path)})";
        using var reader = command.ExecuteReader();
        var ids = new Int64Array.Builder();
        var timestampType = new TimestampType(TimeUnit.Microsecond, "UTC");
        var times = new TimestampArray.Builder(timestampType);
        var rows = 0;
        while (reader.Read())
        {
            ids.Append(reader.GetInt64(0));
            times.Append(new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)));
            rows++;
        }
        var schema = new Schema([new Apache.Arrow.Field("driver_id", Int64Type.Default, false), new Apache.Arrow.Field("event_timestamp", timestampType, false)], null);
        return new RecordBatch(schema, [ids.Build(), times.Build()], rows);
    }

    private static void VerifyParquet(CaseContext context, string output, string intColumn, string floatColumn)
    {
        if (!context.Verify)
            return;
        context.Checksum = ResultConsumer.OfParquet(output, intColumn, floatColumn);
        context.Rows = context.Checksum.Rows;
    }

    private static DuckDBConnection OpenRaw(CaseContext? context = null)
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        // As the store does: naive timestamps mean UTC, and spill files go to a private folder.
        Execute(connection, "SET TimeZone = 'UTC'");
        if (context is not null)
            Execute(connection, $"SET temp_directory = {DataSets.Literal(Path.Combine(context.ScratchDirectory, "spill"))}");
        return connection;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
