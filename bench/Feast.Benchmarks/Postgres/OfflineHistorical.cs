using System.Diagnostics;
using System.Globalization;
using System.Text;
using Apache.Arrow;
using Feast.Benchmarks.Harness;
using Feast.Configuration;
using Feast.Offline;
using Feast.Postgres;
using Feast.Postgres.Offline;
using Npgsql;

namespace Feast.Benchmarks.Postgres;

/// <summary>
/// <c>postgres-historical</c>: scenario 1 of the historical benchmark (1M entity rows × 10M feature rows, 10 features,
/// TTL 1 day, every tenth hour a backfill with a later created time) on the PostgreSQL offline store, against the same
/// statement run raw through Npgsql and a textbook range-join-and-DISTINCT-ON query. The data is generated in
/// PostgreSQL with the DuckDB generator's arithmetic (same keys, times and values), so the results compare with
/// bench/results/historical.md. Cases run in this process, one after the other, each <c>--reps</c> times (default 3).
/// </summary>
/// <remarks>Needs a server: FEAST_TEST_POSTGRES (an Npgsql connection string), e.g. from <c>source eng/services.sh && start_test_services</c>.</remarks>
internal static class OfflineHistorical
{
    private const string Schema = "feast_bench";
    private static readonly TimeSpan Ttl = TimeSpan.FromDays(1);

    private sealed record Case(string Id, string Title, Func<CancellationToken, Task<Result>> Run, string? Baseline);

    private sealed record Result(long Rows, long NonNull, long Sum, double FirstRowSeconds);

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var connectionString = Environment.GetEnvironmentVariable("FEAST_TEST_POSTGRES");
        if (string.IsNullOrEmpty(connectionString))
        {
            Console.Error.WriteLine("FEAST_TEST_POSTGRES is not set. Run `source eng/services.sh && start_test_services` first (or point it at a server).");
            return 1;
        }
        var drivers = options.Quick ? 10_000 : 100_000;
        const int hours = 100;
        var entityRows = options.Rows is { } rows ? (int)rows : options.Quick ? 100_000 : 1_000_000;
        var reps = options.Reps ?? 3;
        var log = Console.Out;
        var started = Stopwatch.GetTimestamp();

        var generation = await GenerateAsync(connectionString, drivers, hours, entityRows, log);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        PostgresOfflineStoreOptions StoreOptions(PostgresEntitySelectMode mode) => new()
        {
            Connection = new PostgresConnectionOptions
            {
                Host = builder.Host!,
                Port = builder.Port,
                Database = builder.Database ?? "postgres",
                User = builder.Username!,
                Password = builder.Password ?? "",
                DbSchema = Schema,
                SslMode = "disable",
            },
            EntitySelectMode = mode,
        };

        var source = new PostgreSQLSource("s1_source", table: $"{Schema}.s1_features", timestampField: "event_timestamp", createdTimestampColumn: "created");
        var entity = new Entity("driver", ["driver_id"], ValueType.Int64);
        var features = Enumerable.Range(0, 5).SelectMany(j => new[] { new Field($"f{j}", FeastType.Float32), new Field($"i{j}", FeastType.Int64) }).ToList();
        var view = new FeatureView("s1", source, [entity], Ttl, features);
        HistoricalRetrievalRequest Request(EntityData data) => new(data, [new FeatureViewRequest(view, view.Projection, view.Features)], false);
        var sqlEntities = EntityData.FromSql($"SELECT driver_id, event_timestamp FROM {Schema}.s1_entities ORDER BY i");

        // The statement the store runs for SQL entity data, taken once and run raw.
        string storeSql;
        await using (var embed = new PostgresOfflineStore(StoreOptions(PostgresEntitySelectMode.EmbedQuery)))
            storeSql = embed.GetHistoricalFeatures(Request(sqlEntities)).ToSql();
        var textbook = $"""
            SELECT DISTINCT ON (e.i) e.driver_id, e.event_timestamp, {string.Join(", ", features.Select(f => "f." + f.Name))}
            FROM {Schema}.s1_entities e
            LEFT JOIN {Schema}.s1_features f ON f.driver_id = e.driver_id AND f.event_timestamp <= e.event_timestamp
                AND f.event_timestamp >= e.event_timestamp - interval '1 day'
            ORDER BY e.i, f.event_timestamp DESC, f.created DESC
            """;

        var cases = new List<Case>
        {
            new("pg.raw-store-sql", "raw Npgsql: the store's statement (ToSql, entity rows from a table), DbDataReader, every value read",
                ct => RawAsync(connectionString, storeSql, ct), null),
            new("pg.feast-sql-entities", "**Feast.NET: ToArrowAsync, EntityData.FromSql (embed_query), every value read**",
                ct => FeastAsync(StoreOptions(PostgresEntitySelectMode.EmbedQuery), Request(sqlEntities), ct), "pg.raw-store-sql"),
            new("pg.feast-sql-temp", "Feast.NET: ToArrowAsync, EntityData.FromSql (temp_table: entity rows copied to a temp table first)",
                ct => FeastAsync(StoreOptions(PostgresEntitySelectMode.TempTable), Request(sqlEntities), ct), "pg.raw-store-sql"),
            new("pg.feast-arrow-entities", "Feast.NET: ToArrowAsync, entity rows as in-memory Arrow (binary COPY to a temp table included)",
                async ct => await FeastAsync(StoreOptions(PostgresEntitySelectMode.TempTable), Request(EntityData.FromArrow(await EntityBatchAsync(connectionString, ct))), ct), "pg.raw-store-sql"),
        };
        if (!options.Only.Contains("no-textbook"))
            cases.Add(new("pg.raw-textbook", "diagnostic: raw textbook range join + DISTINCT ON (Feast's older Postgres plan shape), every value read",
                ct => RawAsync(connectionString, textbook, ct), "pg.raw-store-sql"));

        var results = new Dictionary<string, (List<double> Walls, Result Result)>();
        foreach (var benchCase in cases)
        {
            var walls = new List<double>();
            Result? last = null;
            for (var r = 0; r < reps; r++)
            {
                var start = Stopwatch.GetTimestamp();
                last = await benchCase.Run(CancellationToken.None);
                walls.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                log.WriteLine(Invariant($"  {benchCase.Id} run {r + 1}: {walls[^1]:F2} s, {last.Rows} rows, first row {last.FirstRowSeconds:F2} s"));
            }
            results[benchCase.Id] = (walls, last!);
        }

        var report = Report(options, drivers, hours, entityRows, reps, generation, cases, results, storeSql, Stopwatch.GetElapsedTime(started));
        var output = options.OutputFile ?? (options.Quick
            ? Path.Combine(options.DataDirectory, "postgres-historical-quick.md")
            : Path.Combine(BenchOptions.RepoRoot(), "bench", "results", "postgres-historical.md"));
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report);
        log.WriteLine($"Report: {output}");
        var checks = results.Values.Select(v => (v.Result.Rows, v.Result.NonNull, v.Result.Sum)).Distinct().Count();
        return checks == 1 ? 0 : 2;
    }

    /// <summary>Generates the tables once per size (kept between runs, dropped when the size changes); returns a description.</summary>
    private static async Task<string> GenerateAsync(string connectionString, int drivers, int hours, int entityRows, TextWriter log)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tag = Invariant($"{drivers}x{hours}/{entityRows}");
        await using (var exists = new NpgsqlCommand($"SELECT obj_description('{Schema}'::regnamespace)", connection))
        {
            try
            {
                if (await exists.ExecuteScalarAsync() is string existing && existing == tag)
                    return "reused";
            }
            catch (PostgresException)
            {
                // No schema yet.
            }
        }
        var values = string.Join(",\n  ", Enumerable.Range(0, 5).SelectMany(j => new[]
        {
            Invariant($"(((d * 7 + h * 13 + {j * 101}) % 10000) / 10.0)::real AS f{j}"),
            Invariant($"((d * 11 + h * 17 + {j * 1009}) % 100000)::bigint AS i{j}"),
        }));
        const string start = "TIMESTAMPTZ '2024-01-01 00:00:00+00'";
        var sql = $"""
            DROP SCHEMA IF EXISTS {Schema} CASCADE;
            CREATE SCHEMA {Schema};
            CREATE TABLE {Schema}.s1_features AS
            SELECT d AS driver_id,
              {start} + ((h - CASE WHEN h % 10 = 9 THEN 1 ELSE 0 END) * 3600 + (d * 37) % 3600) * interval '1 second' AS event_timestamp,
              {start} + (h * 3600 + (d * 37) % 3600 + 600) * interval '1 second' AS created,
              {values}
            FROM (SELECT i / {drivers} AS h, i % {drivers} AS d FROM generate_series(0::bigint, {(long)drivers * hours - 1}) AS t(i)) AS g;
            CREATE TABLE {Schema}.s1_entities AS
            SELECT i, (i * 7919) % {drivers} AS driver_id,
              {start} - interval '12 hours' + ((i * 104729) % {(hours + 48) * 3600}) * interval '1 second' AS event_timestamp
            FROM generate_series(0::bigint, {entityRows - 1}) AS t(i);
            VACUUM ANALYZE {Schema}.s1_features;
            VACUUM ANALYZE {Schema}.s1_entities;
            COMMENT ON SCHEMA {Schema} IS '{tag}';
            """;
        var begin = Stopwatch.GetTimestamp();
        foreach (var statement in sql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await using var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
        var seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        log.WriteLine(Invariant($"  generated {(long)drivers * hours} feature rows and {entityRows} entity rows in {seconds:F1} s"));
        return Invariant($"generated in {seconds:F0} s");
    }

    /// <summary>Microsecond UTC timestamps, the Arrow type of a <c>timestamptz</c> column.</summary>
    private static readonly Apache.Arrow.Types.TimestampType UtcMicros = new(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC");

    /// <summary>The entity rows as one in-memory Arrow batch (driver_id int64, event_timestamp µs UTC), read outside the measured call's store.</summary>
    private static async Task<RecordBatch> EntityBatchAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT driver_id, event_timestamp FROM {Schema}.s1_entities ORDER BY i", connection);
        var ids = new Int64Array.Builder();
        var times = new TimestampArray.Builder(UtcMicros);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Append(reader.GetInt64(0));
            times.Append(new DateTimeOffset(reader.GetDateTime(1)));
        }
        var idArray = ids.Build();
        return new RecordBatch(new Schema([new Apache.Arrow.Field("driver_id", Apache.Arrow.Types.Int64Type.Default, true), new Apache.Arrow.Field("event_timestamp", UtcMicros, true)], null),
            [idArray, times.Build()], idArray.Length);
    }

    private static async Task<Result> FeastAsync(PostgresOfflineStoreOptions options, HistoricalRetrievalRequest request, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        await using var store = new PostgresOfflineStore(options);
        long rows = 0, nonNull = 0, sum = 0;
        double first = -1;
        await foreach (var batch in store.GetHistoricalFeatures(request).ToArrowAsync(cancellationToken))
        {
            if (first < 0 && batch.Length > 0) first = Stopwatch.GetElapsedTime(start).TotalSeconds;
            rows += batch.Length;
            // Every value is touched, as the raw reader touches every value.
            for (var c = 0; c < batch.ColumnCount; c++)
            {
                var column = batch.Column(c);
                if (batch.Schema.GetFieldByIndex(c).Name == "i4")
                {
                    var i4 = (Int64Array)column;
                    for (var r = 0; r < batch.Length; r++)
                    {
                        if (i4.GetValue(r) is { } v) { nonNull++; sum += v; }
                    }
                }
                else
                {
                    _ = column.NullCount;
                    for (var r = 0; r < batch.Length; r++) _ = column.IsNull(r);
                }
            }
        }
        return new Result(rows, nonNull, sum, first);
    }

    private static async Task<Result> RawAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var i4 = reader.GetOrdinal("i4");
        long rows = 0, nonNull = 0, sum = 0;
        double first = -1;
        var kinds = Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName).ToArray();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (first < 0) first = Stopwatch.GetElapsedTime(start).TotalSeconds;
            rows++;
            for (var c = 0; c < kinds.Length; c++)
            {
                if (reader.IsDBNull(c)) continue;
                switch (kinds[c])
                {
                    case "bigint":
                        var v = reader.GetInt64(c);
                        if (c == i4) { nonNull++; sum += v; }
                        break;
                    case "real": _ = reader.GetFloat(c); break;
                    case "timestamp with time zone": _ = reader.GetDateTime(c); break;
                    default: _ = reader.GetValue(c); break;
                }
            }
        }
        return new Result(rows, nonNull, sum, first);
    }

    private static string Report(BenchOptions options, int drivers, int hours, int entityRows, int reps, string generation, List<Case> cases,
        Dictionary<string, (List<double> Walls, Result Result)> results, string storeSql, TimeSpan total)
    {
        string version;
        using (var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("FEAST_TEST_POSTGRES")))
        {
            connection.Open();
            using var command = new NpgsqlCommand("SELECT version() || ' / work_mem ' || current_setting('work_mem') || ', shared_buffers ' || current_setting('shared_buffers') || ', max_parallel_workers_per_gather ' || current_setting('max_parallel_workers_per_gather')", connection);
            version = (string)command.ExecuteScalar()!;
        }
        static double Median(List<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted[sorted.Count / 2];
        }
        var text = new StringBuilder();
        text.AppendLine("# PostgreSQL offline store: historical retrieval benchmark");
        text.AppendLine();
        text.AppendLine(Invariant($"Generated by `dotnet run -c Release --project bench/Feast.Benchmarks -- postgres-historical{(options.Quick ? " --quick" : "")}` on {DateTime.UtcNow:yyyy-MM-dd} against the throwaway server of `eng/services.sh`; the whole run took {total.TotalMinutes:F1} min (data {generation})."));
        text.AppendLine("Cases run in one process, one after another; times are wall time of the whole call (store creation, entity upload, query, reading every value), medians of the runs.");
        text.AppendLine();
        text.AppendLine(MachineInfo.Collect().ToMarkdown());
        text.AppendLine(Invariant($"| PostgreSQL | {version} |"));
        text.AppendLine();
        text.AppendLine(Invariant($"## s1: {entityRows:N0} entity rows × {(long)drivers * hours:N0} feature rows, one view"));
        text.AppendLine();
        text.AppendLine(Invariant($"{drivers:N0} drivers × {hours} hourly rows (every 10th hour repeats the previous event time with a later created time), 10 features (5 real, 5 bigint), TTL 1 day; entity rows from 12 h before the first feature row to 36 h after the last. Same arithmetic as the DuckDB generator (bench/Feast.Benchmarks/Historical/DataSets.cs), generated server-side into `{Schema}.s1_features` / `{Schema}.s1_entities`."));
        text.AppendLine();
        text.AppendLine("| case | median wall | vs baseline | first row | runs, wall (s) |");
        text.AppendLine("|---|---:|---:|---:|---|");
        foreach (var c in cases)
        {
            var (walls, result) = results[c.Id];
            var median = Median(walls);
            var ratio = c.Baseline is null ? "baseline" : Invariant($"**{median / Median(results[c.Baseline].Walls):F2}×** `{c.Baseline}`");
            text.AppendLine(Invariant($"| `{c.Id}` {c.Title} | {median:F2} s | {ratio} | {result.FirstRowSeconds:F2} s | {string.Join(", ", walls.Select(w => w.ToString("F2", CultureInfo.InvariantCulture)))} |"));
        }
        text.AppendLine();
        var distinct = results.Values.Select(v => (v.Result.Rows, v.Result.NonNull, v.Result.Sum)).Distinct().ToList();
        text.AppendLine(distinct.Count == 1
            ? Invariant($"Result check: all {results.Count} cases return the same rows (rows={distinct[0].Rows}, i4 n={distinct[0].NonNull}, Σ={distinct[0].Sum}).")
            : "Result check: **cases differ**: " + string.Join("; ", results.Select(r => Invariant($"{r.Key} rows={r.Value.Result.Rows} n={r.Value.Result.NonNull} Σ={r.Value.Result.Sum}"))));
        text.AppendLine();
        text.AppendLine(Invariant($"{reps} runs per case. The store's statement:"));
        text.AppendLine();
        text.AppendLine("```sql");
        text.AppendLine(storeSql);
        text.AppendLine("```");
        return text.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
