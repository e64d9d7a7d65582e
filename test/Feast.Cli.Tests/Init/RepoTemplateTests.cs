using Feast.Cli.Init;
using Microsoft.Extensions.Time.Testing;
using Parquet;
using Parquet.Schema;
using YamlDotNet.RepresentationModel;

namespace Feast.Cli.Tests.Init;

public class RepoTemplateTests
{
    // A moment that is not on the hour, so truncation to the hour is visible.
    private static readonly DateTimeOffset Now = new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero).AddTicks(1234);

    private static FakeTimeProvider Clock(DateTimeOffset? now = null) => new(now ?? Now);

    [Fact]
    public async Task CreateAsync_NewDirectory_CreatesTheFeatureRepoFiles()
    {
        using var temp = new TempDir();
        var project = temp.File("my_project");

        var repo = await RepoTemplate.CreateAsync(project, Clock(), CancellationToken.None);

        Assert.Equal(Path.Combine(project, "feature_repo"), repo);
        Assert.True(File.Exists(Path.Combine(repo, "feature_store.yaml")));
        Assert.True(File.Exists(Path.Combine(repo, "driver_repo.cs")));
        Assert.True(File.Exists(Path.Combine(repo, "README.md")));
        Assert.True(File.Exists(Path.Combine(repo, "data", "driver_stats.parquet")));
        Assert.Equal(["feature_repo"], Directory.GetFileSystemEntries(project).Select(Path.GetFileName));
        // The staging folder was renamed away, not left next to the project.
        Assert.Equal(["my_project"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CreateAsync_FeatureStoreYaml_HasTheProjectNameAndFeastLocalTemplateKeys()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("driver_ranking"), Clock(), CancellationToken.None);

        var text = await File.ReadAllTextAsync(Path.Combine(repo, "feature_store.yaml"));
        var root = LoadYaml(text);

        Assert.Equal(
            ["project", "registry", "provider", "online_store", "offline_store", "entity_key_serialization_version", "auth"],
            root.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Equal("driver_ranking", Scalar(root, "project"));
        Assert.Equal("data/registry.db", Scalar(root, "registry"));
        Assert.Equal("local", Scalar(root, "provider"));
        Assert.Equal("sqlite", Scalar(Map(root, "online_store"), "type"));
        Assert.Equal("data/online_store.db", Scalar(Map(root, "online_store"), "path"));
        Assert.Equal("duckdb", Scalar(Map(root, "offline_store"), "type"));
        Assert.Equal("3", Scalar(root, "entity_key_serialization_version"));
        Assert.Equal("no_auth", Scalar(Map(root, "auth"), "type"));
        Assert.StartsWith("project: driver_ranking\n# ", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', text);
    }

    [Fact]
    public async Task CreateAsync_NumericProjectName_IsQuotedSoYamlReadsAString()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("2024"), Clock(), CancellationToken.None);

        var text = await File.ReadAllTextAsync(Path.Combine(repo, "feature_store.yaml"));

        Assert.StartsWith("project: \"2024\"\n", text, StringComparison.Ordinal);
        Assert.Equal("2024", Scalar(LoadYaml(text), "project"));
    }

    [Fact]
    public async Task CreateAsync_DriverRepo_StartsWithUsingFeastAndNamesTheProject()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("fraud_scores"), Clock(), CancellationToken.None);

        var text = await File.ReadAllTextAsync(Path.Combine(repo, "driver_repo.cs"));

        Assert.StartsWith("using Feast;\n", text, StringComparison.Ordinal);
        Assert.Contains("public static class DriverRepo", text, StringComparison.Ordinal);
        Assert.Contains("new(\"fraud_scores\", description: ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("my_project", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_Readme_ExplainsTheFilesAndNextCommands()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("my_project"), Clock(), CancellationToken.None);

        var text = await File.ReadAllTextAsync(Path.Combine(repo, "README.md"));

        foreach (var expected in new[] { "feature_store.yaml", "driver_repo.cs", "data/driver_stats.parquet",
                     "feast apply", "feast plan", "feast registry-dump", "feast feature-views list" })
            Assert.Contains(expected, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_SampleData_HasFeastDriverStatsSchema()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("my_project"), Clock(), CancellationToken.None);

        await using var reader = await ParquetReader.CreateAsync(Path.Combine(repo, "data", "driver_stats.parquet"));
        var fields = reader.Schema.DataFields;

        Assert.Equal(["event_timestamp", "driver_id", "conv_rate", "acc_rate", "avg_daily_trips", "created"], fields.Select(f => f.Name));
        Assert.Equal([typeof(DateTime), typeof(long), typeof(float), typeof(float), typeof(long), typeof(DateTime)], fields.Select(f => f.ClrType));
        foreach (var name in new[] { "event_timestamp", "created" })
        {
            var timestamp = Assert.IsType<DateTimeDataField>(reader.Schema.FindDataField(name));
            Assert.Equal(DateTimeFormat.Timestamp, timestamp.DateTimeFormat);
            Assert.True(timestamp.IsAdjustedToUTC);
            Assert.Equal(DateTimeTimeUnit.Millis, timestamp.Unit);
        }
        Assert.Equal(1, reader.RowGroupCount);

        // What other readers (pyarrow, DuckDB) see in the footer: INT64 timestamp[ms, tz=UTC], int64, float32.
        var footer = reader.Metadata!.Schema.Skip(1).ToDictionary(e => e.Name);
        foreach (var name in new[] { "event_timestamp", "created" })
        {
            Assert.Equal(Parquet.Meta.Type.INT64, footer[name].Type);
            var timestampType = footer[name].LogicalType?.TIMESTAMP;
            Assert.NotNull(timestampType);
            Assert.True(timestampType.IsAdjustedToUTC);
            Assert.NotNull(timestampType.Unit.MILLIS);
        }
        Assert.Equal(Parquet.Meta.Type.INT64, footer["driver_id"].Type);
        Assert.Equal(Parquet.Meta.Type.FLOAT, footer["conv_rate"].Type);
        Assert.Equal(Parquet.Meta.Type.FLOAT, footer["acc_rate"].Type);
        Assert.Equal(Parquet.Meta.Type.INT64, footer["avg_daily_trips"].Type);
    }

    [Fact]
    public async Task CreateAsync_SampleData_HasOneRowPerDriverPerHourForFifteenDays()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("my_project"), Clock(), CancellationToken.None);

        var data = await DriverStatsFile.ReadAsync(Path.Combine(repo, "data", "driver_stats.parquet"));

        Assert.Equal(5 * 15 * 24, data.Count);
        var currentHour = new DateTime(2025, 3, 14, 15, 0, 0, DateTimeKind.Utc);
        var expectedHours = Enumerable.Range(0, 360).Select(h => currentHour.AddDays(-15).AddHours(h)).ToList();
        foreach (var driver in new long[] { 1001, 1002, 1003, 1004, 1005 })
        {
            var hours = data.Rows.Where(r => r.DriverId == driver).Select(r => r.EventTimestamp).Order().ToList();
            Assert.Equal(expectedHours, hours);
        }
        Assert.Equal([1001L, 1002, 1003, 1004, 1005], data.Rows.Select(r => r.DriverId).Distinct().Order());
        Assert.All(data.Rows, r =>
        {
            Assert.Equal(DateTimeKind.Utc, r.EventTimestamp.Kind);
            Assert.Equal(0, r.EventTimestamp.Ticks % TimeSpan.TicksPerHour);
            Assert.True(r.EventTimestamp <= Now.UtcDateTime);
            Assert.InRange(r.ConvRate, 0f, 1f);
            Assert.NotEqual(1f, r.ConvRate);
            Assert.InRange(r.AccRate, 0f, 1f);
            Assert.NotEqual(1f, r.AccRate);
            Assert.InRange(r.AvgDailyTrips, 0, 999);
            // The generation time, to the millisecond the column keeps.
            Assert.Equal(new DateTime(2025, 3, 14, 15, 9, 26, 535, DateTimeKind.Utc), r.Created);
        });
        // Random data, not a constant.
        Assert.True(data.Rows.Select(r => r.AvgDailyTrips).Distinct().Count() > 100);
    }

    [Fact]
    public async Task CreateAsync_SampleData_TimestampFilterFindsRows()
    {
        // Regression: with microsecond columns, Parquet.Net wrote the row-group statistics in milliseconds and DuckDB
        // skipped the whole file for any timestamp filter, so materialize loaded nothing.
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("my_project"), Clock(), CancellationToken.None);
        var file = Path.Combine(repo, "data", "driver_stats.parquet").Replace("'", "''", StringComparison.Ordinal);

        using var connection = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet('{file}') " +
            "WHERE event_timestamp BETWEEN TIMESTAMPTZ '2025-03-14 00:00:00+00' AND TIMESTAMPTZ '2025-03-14 23:59:59+00'";

        // 00:00 to 14:00 on the init day (the current hour, 15:00, is not in the data): 15 hours x 5 drivers.
        Assert.Equal(75L, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CreateAsync_SampleData_FilterAtTheExactFirstAndLastTimesFindsEveryRow()
    {
        // The millisecond columns' statistics are right (Parquet.Net gets only microsecond ones wrong): a filter at
        // exactly the first and last hour, and on the exact creation time, keeps every row group and every row.
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("my_project"), Clock(), CancellationToken.None);
        var file = Path.Combine(repo, "data", "driver_stats.parquet").Replace("'", "''", StringComparison.Ordinal);

        using var connection = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet('{file}') " +
            "WHERE event_timestamp BETWEEN TIMESTAMPTZ '2025-02-27 15:00:00+00' AND TIMESTAMPTZ '2025-03-14 14:00:00+00' " +
            "AND created = TIMESTAMPTZ '2025-03-14 15:09:26.535+00'";

        Assert.Equal(1800L, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CreateAsync_SameTime_WritesIdenticalSampleData()
    {
        using var temp = new TempDir();
        var first = await RepoTemplate.CreateAsync(temp.File("a"), Clock(), CancellationToken.None);
        var second = await RepoTemplate.CreateAsync(temp.File("b"), Clock(), CancellationToken.None);

        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(first, "data", "driver_stats.parquet")),
            await File.ReadAllBytesAsync(Path.Combine(second, "data", "driver_stats.parquet")));
    }

    [Fact]
    public async Task CreateAsync_LaterTime_MovesTheWindowToTheNewHour()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("my_project"), Clock(Now.AddHours(5)), CancellationToken.None);

        var data = await DriverStatsFile.ReadAsync(Path.Combine(repo, "data", "driver_stats.parquet"));

        Assert.Equal(new DateTime(2025, 3, 14, 19, 0, 0, DateTimeKind.Utc), data.Rows.Max(r => r.EventTimestamp));
    }

    [Theory]
    [InlineData("my-project", "SQLite", "'my_project'")]
    [InlineData("_private", "underscore", "'private'")]
    [InlineData("-dash", "hyphen", "'dash'")]
    [InlineData("my project", "letters, digits, underscores and hyphens", "'my_project'")]
    [InlineData("café.v2", "letters, digits, underscores and hyphens", "'café_v2'")]
    public async Task CreateAsync_InvalidProjectName_ThrowsAndCreatesNothing(string name, string reason, string suggestion)
    {
        using var temp = new TempDir();

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoTemplate.CreateAsync(temp.File(name), Clock(), CancellationToken.None));

        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains(suggestion, e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task CreateAsync_HyphenatedName_ExplainsTheSqliteTableNameRule()
    {
        using var temp = new TempDir();

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoTemplate.CreateAsync(temp.File("feast-smoke"), Clock(), CancellationToken.None));

        Assert.Contains("cannot contain hyphens because they are used in table names", e.Message, StringComparison.Ordinal);
        Assert.Contains("'feast_smoke'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_ExistingNonEmptyDirectory_ThrowsAndLeavesItUntouched()
    {
        using var temp = new TempDir();
        var project = temp.File("my_project");
        Directory.CreateDirectory(Path.Combine(project, "feature_repo"));
        await File.WriteAllTextAsync(Path.Combine(project, "feature_repo", "feature_store.yaml"), "project: mine\n");
        await File.WriteAllTextAsync(Path.Combine(project, "notes.txt"), "keep me");

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoTemplate.CreateAsync(project, Clock(), CancellationToken.None));

        Assert.Equal($"{project} already exists; choose another name or remove it.", e.Message);
        Assert.Equal(
            [Path.Combine(project, "feature_repo", "feature_store.yaml"), Path.Combine(project, "notes.txt")],
            Directory.GetFiles(project, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        Assert.Equal("project: mine\n", await File.ReadAllTextAsync(Path.Combine(project, "feature_repo", "feature_store.yaml")));
        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(project, "notes.txt")));
        Assert.Equal(["my_project"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CreateAsync_ExistingFile_Throws()
    {
        using var temp = new TempDir();
        var project = temp.File("my_project");
        await File.WriteAllTextAsync(project, "a file");

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoTemplate.CreateAsync(project, Clock(), CancellationToken.None));

        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
        Assert.Equal("a file", await File.ReadAllTextAsync(project));
    }

    [Fact]
    public async Task CreateAsync_ExistingEmptyDirectory_CreatesTheRepoInsideIt()
    {
        using var temp = new TempDir();
        var project = temp.File("my_project");
        Directory.CreateDirectory(project);

        var repo = await RepoTemplate.CreateAsync(project, Clock(), CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(repo, "driver_repo.cs")));
        Assert.Equal(["my_project"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CreateAsync_TrailingSeparator_TakesTheProjectNameFromTheLastSegment()
    {
        using var temp = new TempDir();

        var repo = await RepoTemplate.CreateAsync(temp.File("my_project") + Path.DirectorySeparatorChar, Clock(), CancellationToken.None);

        Assert.Equal(Path.Combine(temp.Path, "my_project", "feature_repo"), repo);
        Assert.StartsWith("project: my_project\n", await File.ReadAllTextAsync(Path.Combine(repo, "feature_store.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_Canceled_LeavesNothingBehind()
    {
        using var temp = new TempDir();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RepoTemplate.CreateAsync(temp.File("my_project"), Clock(), cts.Token));

        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    private static YamlMappingNode LoadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value;
}

/// <summary>The sample Parquet file read back with Parquet.Net, independently of the writer's code.</summary>
internal sealed record DriverStatsFile(IReadOnlyList<DriverStatsFile.Row> Rows)
{
    public int Count => Rows.Count;

    public static async Task<DriverStatsFile> ReadAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        using var group = reader.OpenRowGroupReader(0);
        var count = checked((int)group.RowCount);
        var schema = reader.Schema;

        var eventTimestamps = new DateTime[count];
        var driverIds = new long[count];
        var convRates = new float[count];
        var accRates = new float[count];
        var trips = new long[count];
        var created = new DateTime[count];
        await group.ReadAsync<DateTime>(schema.FindDataField("event_timestamp"), eventTimestamps);
        await group.ReadAsync<long>(schema.FindDataField("driver_id"), driverIds);
        await group.ReadAsync<float>(schema.FindDataField("conv_rate"), convRates);
        await group.ReadAsync<float>(schema.FindDataField("acc_rate"), accRates);
        await group.ReadAsync<long>(schema.FindDataField("avg_daily_trips"), trips);
        await group.ReadAsync<DateTime>(schema.FindDataField("created"), created);

        return new DriverStatsFile([.. Enumerable.Range(0, count).Select(i =>
            new Row(eventTimestamps[i], driverIds[i], convRates[i], accRates[i], trips[i], created[i]))]);
    }

    public sealed record Row(DateTime EventTimestamp, long DriverId, float ConvRate, float AccRate, long AvgDailyTrips, DateTime Created);
}
