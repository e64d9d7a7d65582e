using Parquet;
using Parquet.Schema;

namespace Feast.Cli.Init;

/// <summary>
/// The sample data of the local template, as Feast's <c>create_driver_hourly_stats_df</c> makes it: one row per driver per
/// hour for the <see cref="Days"/> days before the current hour, with random rates and trip counts.
/// </summary>
internal static class DriverStatsData
{
    /// <summary>The drivers the sample data covers (Feast's template uses the same ids).</summary>
    public static IReadOnlyList<long> DriverIds { get; } = [1001, 1002, 1003, 1004, 1005];

    /// <summary>How many days of hourly rows each driver gets.</summary>
    public const int Days = 15;

    // A fixed seed: the same init time gives the same file, so tests (and bug reports) can reproduce it.
    private const int Seed = 20210407;

    // The columns of Feast's generator. Timestamps are UTC instants in milliseconds, which pyarrow, DuckDB and
    // Feast's file offline store read as timestamp[ms, tz=UTC] (Feast writes microseconds, but Parquet.Net 6.1 writes
    // the row-group statistics of a microsecond column in milliseconds, and DuckDB then skips every row group when
    // it filters on the timestamp, so materialize would find nothing). Feast writes avg_daily_trips as int32,
    // Feast.NET as int64 to match the feature's Int64 type.
    private static readonly DateTimeDataField EventTimestamp = UtcMillis("event_timestamp");
    private static readonly DataField<long> DriverId = new("driver_id");
    private static readonly DataField<float> ConvRate = new("conv_rate");
    private static readonly DataField<float> AccRate = new("acc_rate");
    private static readonly DataField<long> AvgDailyTrips = new("avg_daily_trips");
    private static readonly DateTimeDataField Created = UtcMillis("created");

    /// <summary>The file's schema, in column order.</summary>
    public static ParquetSchema Schema { get; } = new(EventTimestamp, DriverId, ConvRate, AccRate, AvgDailyTrips, Created);

    /// <summary>Writes the sample data for generation time <paramref name="now"/> to a new file at <paramref name="path"/>.</summary>
    public static async Task WriteAsync(string path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = Generate(now);
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            var writer = await ParquetWriter.CreateAsync(Schema, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync<DateTime>(EventTimestamp, rows.EventTimestamps, cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync<long>(DriverId, rows.DriverIds, cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync<float>(ConvRate, rows.ConvRates, cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync<float>(AccRate, rows.AccRates, cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync<long>(AvgDailyTrips, rows.AvgDailyTrips, cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync<DateTime>(Created, rows.Created, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The rows for generation time <paramref name="now"/>, driver by driver, oldest hour first.</summary>
    public static DriverStatsRows Generate(DateTimeOffset now)
    {
        var utcNow = now.UtcDateTime;
        var end = new DateTime(utcNow.Year, utcNow.Month, utcNow.Day, utcNow.Hour, 0, 0, DateTimeKind.Utc);
        var start = end.AddDays(-Days);
        // Like Feast's pd.date_range(start, end, freq="1h", inclusive="left"): the current hour is not included.
        var hours = Days * 24;
        var count = hours * DriverIds.Count;

        var eventTimestamps = new DateTime[count];
        var driverIds = new long[count];
        for (var d = 0; d < DriverIds.Count; d++)
        {
            for (var h = 0; h < hours; h++)
            {
                eventTimestamps[(d * hours) + h] = start.AddHours(h);
                driverIds[(d * hours) + h] = DriverIds[d];
            }
        }

        // Column by column, as Feast's generator draws them. NextSingle is in [0, 1); a double cast to float could round to 1.
        var random = new Random(Seed);
        var convRates = new float[count];
        var accRates = new float[count];
        var trips = new long[count];
        for (var i = 0; i < count; i++) convRates[i] = random.NextSingle();
        for (var i = 0; i < count; i++) accRates[i] = random.NextSingle();
        for (var i = 0; i < count; i++) trips[i] = random.NextInt64(0, 1000);

        // One generation time for every row, truncated to what the column stores so it reads back unchanged.
        var created = new DateTime(utcNow.Ticks - (utcNow.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        var createdColumn = new DateTime[count];
        Array.Fill(createdColumn, created);

        return new DriverStatsRows(eventTimestamps, driverIds, convRates, accRates, trips, createdColumn);
    }

    private static DateTimeDataField UtcMillis(string name) =>
        new(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: false);
}

/// <summary>The sample data, one array per column, all of one length.</summary>
internal sealed record DriverStatsRows(
    DateTime[] EventTimestamps, long[] DriverIds, float[] ConvRates, float[] AccRates, long[] AvgDailyTrips, DateTime[] Created)
{
    /// <summary>The number of rows.</summary>
    public int Count => DriverIds.Length;
}
