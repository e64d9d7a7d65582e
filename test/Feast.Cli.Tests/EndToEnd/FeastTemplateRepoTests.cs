using System.Globalization;
using System.Text.Json;
using Feast.Cli.Init;
using Feast.Cli.Tests.Commands;

namespace Feast.Cli.Tests.EndToEnd;

/// <summary>
/// A repo written the way Feast's docs write one — an entity without a value type, a view whose schema lists only
/// features, a view without a schema over a CSV file with naive timestamps and no created column — goes through the
/// whole loop from the command line: apply, training data, materialize, online read. The answers are worked out here by
/// hand from the data, as Feast's point-in-time rules give them.
/// </summary>
public sealed class FeastTemplateRepoTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 12, 30, 0, TimeSpan.Zero);
    private static readonly DriverStatsRows Rows = DriverStatsData.Generate(Now);
    private static readonly DateTime Start = Rows.EventTimestamps[0];

    private const string Definitions = """
        using Feast;

        public static class DriverRepo
        {
            public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"]);

            public static readonly FileSource DriverStatsSource = new(path: "data/driver_stats.parquet",
                timestampField: "event_timestamp", name: "driver_hourly_stats_source", createdTimestampColumn: "created");

            public static readonly FeatureView DriverStats = new(name: "driver_hourly_stats", source: DriverStatsSource,
                entities: [Driver], ttl: TimeSpan.FromDays(1),
                schema: [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

            public static readonly FileSource RatingsSource = new(path: "data/ratings.csv", timestampField: "event_timestamp", name: "ratings_source");

            public static readonly FeatureView Ratings = new(name: "driver_ratings", source: RatingsSource, entities: [Driver], ttl: TimeSpan.FromDays(2));

            public static readonly FeatureService Activity = new(name: "driver_activity", features: [DriverStats.Select("conv_rate"), Ratings]);
        }
        """;

    // Naive timestamps (UTC), no created column: 1001 twice on the last day, 1002 three days before Now.
    private const string RatingsCsv = """
        driver_id,event_timestamp,rating,trips
        1001,2026-03-04 02:30:00,4.5,3
        1001,2026-03-04 07:30:00,4.0,5
        1002,2026-03-01 12:30:00,3.5,7

        """;

    /// <summary>The index in <see cref="Rows"/> of <paramref name="driver"/>'s hourly row in force at <paramref name="at"/>.</summary>
    private static int HourRow(long driver, DateTime at) =>
        (int)(driver - 1001) * DriverStatsData.Days * 24 + (int)Math.Floor((at - Start).TotalHours);

    private static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public async Task FeastTemplateRepo_AppliesTrainsMaterializesAndServes_WithPointInTimeAnswers()
    {
        using var repo = await InitRepo.CreateAsync("feast_template");
        var data = Path.Combine(repo.Repo, "data", "driver_stats.parquet");
        File.Delete(data);
        await DriverStatsData.WriteAsync(data, Now, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(repo.Repo, "data", "ratings.csv"), RatingsCsv);
        await File.WriteAllTextAsync(repo.DefinitionsPath, Definitions);

        // apply: the entity's join key and the CSV view's features are inferred from the sources.
        (await repo.RunAsync("apply")).ExpectOk();
        var features = (await repo.RunAsync("features", "list", "--feature-view", "driver_ratings", "--output", "json")).ExpectOk();
        using (var listed = JsonDocument.Parse(features.Stdout))
        {
            Assert.Equal(["rating", "trips"], listed.RootElement.EnumerateArray().Select(f => f.GetProperty("feature_name").GetString()));
        }

        // Training data through the feature service, point in time: ttl 1 day (hourly stats) and 2 days (ratings).
        var entities = Path.Combine(repo.Parent, "entities.csv");
        await File.WriteAllTextAsync(entities, """
            driver_id,event_timestamp
            1001,2026-03-04T05:30:00Z
            1001,2026-03-04T11:30:00Z
            1002,2026-03-02T12:30:00Z
            1002,2026-03-04T12:00:00Z
            1003,2026-03-04T11:30:00Z

            """);
        var training = (await repo.RunAsync("get-historical-features", "--entity-df", entities, "--feature-service", "driver_activity")).ExpectOk();
        var table = training.Table;
        Assert.Equal(["driver_id", "event_timestamp", "conv_rate", "rating", "trips"], table.Header);
        DateTime At(string iso) => DateTime.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Assert.Equal(
            [
                Float(Rows.ConvRates[HourRow(1001, At("2026-03-04T05:30:00Z"))]),
                Float(Rows.ConvRates[HourRow(1001, At("2026-03-04T11:30:00Z"))]),
                Float(Rows.ConvRates[HourRow(1002, At("2026-03-02T12:30:00Z"))]),
                Float(Rows.ConvRates[HourRow(1002, At("2026-03-04T11:00:00Z"))]),
                Float(Rows.ConvRates[HourRow(1003, At("2026-03-04T11:30:00Z"))]),
            ],
            table.Column("conv_rate"));
        // 1002 at Mar 4 12:00 is 2 days 23.5 hours after its only rating: outside the ttl. 1003 has none.
        Assert.Equal(["4.5", "4", "3.5", "null", "null"], table.Column("rating").Select(v => v == "4.0" ? "4" : v));
        Assert.Equal(["3", "5", "7", "null", "null"], table.Column("trips"));

        // A first incremental run starts one ttl before the real now (December), after this data's END: nothing to do,
        // and it says why.
        var incremental = (await repo.RunAsync("materialize-incremental", "2026-03-04T12:30:00")).ExpectOk();
        Assert.Contains("all 2 feature views were never materialized, and a first incremental run starts one ttl before now", incremental.Stdout, StringComparison.Ordinal);

        // The last two days up to Now: 1002's rating (3 days old) is not loaded, the hourly stats are.
        (await repo.RunAsync("materialize", "2026-03-02T12:30:00", "2026-03-04T12:30:00")).ExpectOk();
        var online = (await repo.RunAsync("get-online-features", "--feature-service", "driver_activity",
            "-e", "driver_id=1001", "-e", "driver_id=1002")).ExpectOk();
        using var answer = JsonDocument.Parse(online.Stdout);
        var names = answer.RootElement.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Equal(["driver_id", "conv_rate", "rating", "trips"], names);
        var results = answer.RootElement.GetProperty("results");
        JsonElement Column(string name) => results[names.IndexOf(name)];

        Assert.Equal([(double)Rows.ConvRates[HourRow(1001, At("2026-03-04T11:00:00Z"))], (double)Rows.ConvRates[HourRow(1002, At("2026-03-04T11:00:00Z"))]],
            Column("conv_rate").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(4.0, Column("rating").GetProperty("values")[0].GetDouble());
        Assert.Equal(5, Column("trips").GetProperty("values")[0].GetInt64());
        Assert.Equal(["PRESENT", "NOT_FOUND"], Column("rating").GetProperty("statuses").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(JsonValueKind.Null, Column("rating").GetProperty("values")[1].ValueKind);
    }
}
