using System.Diagnostics;
using System.Globalization;
using System.Text;
using Feast.Benchmarks.Harness;
using Feast.Configuration;
using Feast.Online;
using Feast.Postgres;
using Feast.Postgres.Online;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;
using Npgsql;
using NpgsqlTypes;

namespace Feast.Benchmarks.Postgres;

/// <summary>
/// <c>postgres-online</c>: the PostgreSQL online store against raw Npgsql doing the same work on the same server.
/// Writes: <see cref="PostgresOnlineStore.WriteBatchAsync"/> in the 8k-row batches materialization hands it, against a
/// raw binary COPY of the same rows straight into an empty table of Feast's layout (the lower bound: no staging, no
/// upsert). Reads: <see cref="FeatureStore.GetOnlineFeaturesAsync(IEnumerable{string}, IEnumerable{IReadOnlyDictionary{string, object}}, bool, CancellationToken)"/>
/// for 1 and 100 entities × 50 features over 5 views, against the five raw prepared <c>ANY($1)</c> SELECTs run
/// sequentially on one open connection with the values parsed.
/// </summary>
internal static class PostgresOnlineBench
{
    private const int Views = 5;
    private const int FeaturesPerView = 10;
    private const int BatchRows = 8192;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var connectionString = Environment.GetEnvironmentVariable("FEAST_TEST_POSTGRES");
        if (string.IsNullOrEmpty(connectionString))
        {
            Console.Error.WriteLine("FEAST_TEST_POSTGRES is not set: run `source eng/services.sh && start_test_services` first (or point it at a server).");
            return 1;
        }
        var writeRows = (int)(options.Rows ?? (options.Quick ? 20_000 : 100_000));
        var readEntities = options.Quick ? 2_000 : 10_000;
        var requests = options.Quick ? 300 : 2_000;
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..8];
        var server = new NpgsqlConnectionStringBuilder(connectionString);
        var connection = new PostgresConnectionOptions
        {
            Host = server.Host!, Port = server.Port, Database = server.Database!, User = server.Username!, Password = server.Password ?? "",
            DbSchema = schema, SslMode = "disable", ConnType = PostgresConnectionType.Pool,
        };
        var report = new StringBuilder();
        var version = await ScalarAsync(connectionString, "SHOW server_version");
        report.AppendLine("# PostgreSQL online store").AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · PostgreSQL {version} on loopback (eng/services.sh, fsync off) · {Environment.ProcessorCount} cores · load average {LoadAverage()}"))
            .AppendLine()
            .AppendLine("Command: `source eng/services.sh && start_test_services && dotnet run -c Release --project bench/Feast.Benchmarks -- postgres-online" + (options.Quick ? " --quick" : "") + "; stop_test_services`")
            .AppendLine();
        try
        {
            await WritesAsync(connectionString, connection, writeRows, report);
            await ReadsAsync(connectionString, connection, readEntities, requests, report);
        }
        finally
        {
            await ExecuteAsync(connectionString, $"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }
        var output = options.OutputFile ?? Path.Combine(BenchOptions.RepoRoot(), "bench", options.Quick ? ".data" : "results", options.Quick ? "postgres-online-quick.md" : "postgres-online.md");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report.ToString());
        Console.WriteLine(report);
        Console.WriteLine($"Report: {output}");
        return 0;
    }

    private static string[] FeatureNames(int view) => [.. Enumerable.Range(0, FeaturesPerView).Select(f => $"f{view}_{f}")];

    private static readonly FileSource[] Sources = [.. Enumerable.Range(0, Views).Select(v => new FileSource("data/none.parquet", "event_timestamp", name: $"src{v}"))];

    private static FeatureView View(int view) => new($"fv{view}", Sources[view],
        [new Entity("driver", ["driver_id"], ValueType.Int64)], TimeSpan.FromDays(1),
        [.. FeatureNames(view).Select((n, i) => new Field(n, i % 2 == 0 ? FeastType.Int64 : FeastType.Float32))]);

    /// <summary>Quotes an identifier for the raw SQL: <c>a"b</c> → <c>"a""b"</c>.</summary>
    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static byte[] Key(long id) => EntityKeySerializer.Serialize("driver_id", FeatureValue.FromInt64(id));

    private static OnlineWriteBatch Batch(int view, int first, int count, DateTimeOffset ts)
    {
        var names = FeatureNames(view);
        var batch = new OnlineWriteBatch(names, count);
        var values = new FeatureValue[names.Length];
        for (var row = first; row < first + count; row++)
        {
            for (var f = 0; f < names.Length; f++)
                values[f] = f % 2 == 0 ? FeatureValue.FromInt64(row * 10L + f) : FeatureValue.FromFloat(row * 0.001f + f);
            batch.Add(Key(row), values, ts, ts);
        }
        return batch;
    }

    private static async Task WritesAsync(string connectionString, PostgresConnectionOptions connection, int rows, StringBuilder report)
    {
        Console.WriteLine($"writes: {rows:N0} entity rows x {FeaturesPerView} features");
        var ts = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var batches = Enumerable.Range(0, (rows + BatchRows - 1) / BatchRows).Select(b => Batch(0, b * BatchRows, Math.Min(BatchRows, rows - b * BatchRows), ts)).ToList();
        await using var store = new PostgresOnlineStore(new PostgresOnlineStoreOptions { Connection = connection });
        // The same store without the newer-row check (the upsert before issue 19): what the check costs.
        await using var lastWriteWins = new PostgresOnlineStore(new PostgresOnlineStoreOptions { Connection = connection, LastWriteWins = true });
        var results = new List<(string Case, double Seconds)>();
        for (var rep = 0; rep < 2; rep++)
        {
            var project = $"w{rep}";
            await store.UpdateAsync(project, [View(0)], []);
            var watch = Stopwatch.StartNew();
            foreach (var batch in batches) await store.WriteBatchAsync(project, View(0), batch);
            results.Add(("store, into an empty table", watch.Elapsed.TotalSeconds));
            watch.Restart();
            foreach (var batch in batches) await store.WriteBatchAsync(project, View(0), batch);
            results.Add(("store, overwriting every row", watch.Elapsed.TotalSeconds));

            var lww = $"l{rep}";
            await lastWriteWins.UpdateAsync(lww, [View(0)], []);
            watch.Restart();
            foreach (var batch in batches) await lastWriteWins.WriteBatchAsync(lww, View(0), batch);
            results.Add(("store with last_write_wins, into an empty table", watch.Elapsed.TotalSeconds));
            watch.Restart();
            foreach (var batch in batches) await lastWriteWins.WriteBatchAsync(lww, View(0), batch);
            results.Add(("store with last_write_wins, overwriting every row", watch.Elapsed.TotalSeconds));

            // Raw: the same rows, binary COPY straight into an empty table of Feast's layout.
            await store.UpdateAsync($"r{rep}", [View(0)], []);
            var table = $"{Quote(connection.DbSchema)}.{Quote($"r{rep}_fv0")}";
            await using var raw = new NpgsqlConnection(connectionString);
            await raw.OpenAsync();
            watch.Restart();
            foreach (var batch in batches)
            {
                await using var transaction = await raw.BeginTransactionAsync();
                await using (var copy = await raw.BeginBinaryImportAsync($"COPY {table} (entity_key, feature_name, value, value_text, event_ts, created_ts) FROM STDIN (FORMAT BINARY)"))
                {
                    for (var row = 0; row < batch.Count; row++)
                    {
                        for (var f = 0; f < batch.FeatureNames.Count; f++)
                        {
                            var value = batch.Value(row, f);
                            await copy.StartRowAsync();
                            await copy.WriteAsync(batch.EntityKey(row), NpgsqlDbType.Bytea);
                            await copy.WriteAsync(batch.FeatureNames[f], NpgsqlDbType.Text);
                            await copy.WriteAsync(value.ToByteArray(), NpgsqlDbType.Bytea);
                            await copy.WriteAsync(value.ToValueText()!, NpgsqlDbType.Text);
                            await copy.WriteAsync(batch.EventTimestamp(row).UtcDateTime, NpgsqlDbType.TimestampTz);
                            await copy.WriteAsync(batch.CreatedTimestamp(row)!.Value.UtcDateTime, NpgsqlDbType.TimestampTz);
                        }
                    }
                    await copy.CompleteAsync();
                }
                await transaction.CommitAsync();
            }
            results.Add(("raw binary COPY into an empty table", watch.Elapsed.TotalSeconds));
        }

        report.AppendLine("## Writes (materialization path)").AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{rows:N0} entity rows × {FeaturesPerView} features (Int64/Float32) = {rows * FeaturesPerView:N0} table rows, in {BatchRows:N0}-row batches (what materialization hands the store), one transaction per batch. Best of 2 runs."))
            .AppendLine()
            .AppendLine("| case | seconds | entity rows/s | values/s | vs raw COPY |")
            .AppendLine("|---|---:|---:|---:|---:|");
        var rawBest = results.Where(r => r.Case.StartsWith("raw", StringComparison.Ordinal)).Min(r => r.Seconds);
        foreach (var group in results.GroupBy(r => r.Case))
        {
            var best = group.Min(r => r.Seconds);
            report.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {best:0.00} | {rows / best:N0} | {rows * FeaturesPerView / best:N0} | {best / rawBest:0.00}× |"));
        }
        report.AppendLine();
    }

    private static async Task ReadsAsync(string connectionString, PostgresConnectionOptions connection, int entities, int requests, StringBuilder report)
    {
        Console.WriteLine($"reads: {entities:N0} entities x {Views} views, {requests} requests per case");
        var repo = Path.Combine(Path.GetTempPath(), "feast-bench-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(repo);
        await File.WriteAllTextAsync(Path.Combine(repo, "feature_store.yaml"), $"""
            project: bench
            registry: data/registry.db
            provider: local
            online_store:
              type: postgres
              host: {connection.Host}
              port: {connection.Port}
              database: {connection.Database}
              db_schema: {connection.DbSchema}
              user: {connection.User}
              password: "{connection.Password}"
              sslmode: disable
              conn_type: pool
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """);
        var views = Enumerable.Range(0, Views).Select(View).ToList();
        await using var store = FeatureStore.Open(repo, options: new FeatureStoreOptions().UsePostgres());
        await store.ApplyAsync([new Project("bench"), new Entity("driver", ["driver_id"], ValueType.Int64), .. Sources, .. views], new Feast.Planning.ApplyOptions { SkipSourceValidation = true });
        var ts = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var v = 0; v < Views; v++)
        {
            for (var first = 0; first < entities; first += BatchRows)
                await store.OnlineStore!.WriteBatchAsync("bench", views[v], Batch(v, first, Math.Min(BatchRows, entities - first), ts));
        }
        var features = views.SelectMany((v, i) => FeatureNames(i).Select(f => $"{v.Name}:{f}")).ToList();

        await using var raw = new NpgsqlConnection(connectionString);
        await raw.OpenAsync();
        var selects = new List<NpgsqlCommand>();
        for (var v = 0; v < Views; v++)
        {
            var command = new NpgsqlCommand(
                $"SELECT entity_key, feature_name, value, event_ts FROM {Quote(connection.DbSchema)}.{Quote($"bench_fv{v}")} WHERE entity_key = ANY($1) AND feature_name = ANY($2)", raw);
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = FeatureNames(v) });
            await command.PrepareAsync();
            selects.Add(command);
        }

        report.AppendLine("## Online reads (in-process)").AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{Views} views × {FeaturesPerView} features written for {entities:N0} drivers; {requests:N0} sequential requests per case after a warm-up of {requests / 5}, random drivers. Feast.NET: `GetOnlineFeaturesAsync` (pooled connections, one prepared SELECT per view, the five views read concurrently). Raw: the five prepared `SELECT … WHERE entity_key = ANY($1) AND feature_name = ANY($2)` run one after another on one open connection, values parsed into protobuf `Value`s."))
            .AppendLine()
            .AppendLine("| request | Feast.NET p50 / p99 | raw Npgsql p50 / p99 | ratio p50 | Feast.NET req/s |")
            .AppendLine("|---|---:|---:|---:|---:|");
        var random = new Random(42);
        foreach (var size in new[] { 1, 100 })
        {
            var n = size == 1 ? requests : Math.Max(requests / 10, 50);
            var ids = Enumerable.Range(0, n + n / 5).Select(_ => Enumerable.Range(0, size).Select(_ => (long)random.Next(entities)).ToArray()).ToList();
            var feast = await MeasureAsync(ids, n, async batch =>
            {
                var response = await store.GetOnlineFeaturesAsync(features,
                    batch.Select(id => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = id }));
                if (response.FeatureNames.Count != features.Count + 1) throw new InvalidOperationException("wrong response");
            });
            var rawTimes = await MeasureAsync(ids, n, async batch =>
            {
                var keys = batch.Select(Key).ToArray();
                var values = 0;
                foreach (var select in selects)
                {
                    ((NpgsqlParameter<byte[][]>)select.Parameters[0]).TypedValue = keys;
                    await using var reader = await select.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        _ = reader.GetFieldValue<byte[]>(0);
                        _ = reader.GetString(1);
                        _ = Value.Parser.ParseFrom(reader.GetFieldValue<byte[]>(2));
                        _ = reader.GetFieldValue<DateTime>(3);
                        values++;
                    }
                }
                if (values == 0) throw new InvalidOperationException("nothing read");
            });
            report.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {size} entit{(size == 1 ? "y" : "ies")} × 50 features (5 views) | {Micro(feast.P50)} / {Micro(feast.P99)} | {Micro(rawTimes.P50)} / {Micro(rawTimes.P99)} | **{feast.P50 / rawTimes.P50:0.00}×** | {feast.PerSecond:N0} |"));
        }
        report.AppendLine();
        foreach (var select in selects) await select.DisposeAsync();
        try
        {
            Directory.Delete(repo, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(double P50, double P99, double PerSecond)> MeasureAsync(List<long[]> ids, int n, Func<long[], Task> request)
    {
        var warmup = ids.Count - n;
        for (var i = 0; i < warmup; i++) await request(ids[i]);
        var times = new double[n];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await request(ids[warmup + i]);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1000;
        }
        var elapsed = total.Elapsed.TotalSeconds;
        Array.Sort(times);
        return (times[n / 2], times[Math.Min(n - 1, (int)(n * 0.99))], n / elapsed);
    }

    private static string Micro(double microseconds) => microseconds >= 1000
        ? string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1000:0.0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{microseconds:0} µs");

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
