using Feast.Transformations;
using Parquet;
using Parquet.Schema;

namespace Feast.DuckDb.Tests;

/// <summary>Source files written with Parquet.Net rather than DuckDB, so the reader is not only tested against itself.</summary>
internal static class ParquetFiles
{
    /// <summary>
    /// Two rows of driver 1 with one column of each type Feast's sources have. Timestamps are UTC microsecond columns
    /// written through <see cref="ParquetTimestamps"/> (Parquet.Net's own DateTime path writes wrong statistics).
    /// </summary>
    public static async Task WriteTypedDriverFileAsync(string path, DateTimeOffset t0)
    {
        var driverId = new DataField<long>("driver_id");
        var eventTimestamp = ParquetTimestamps.Field("event_timestamp", utc: true);
        var f32 = new DataField<float>("f32");
        var f64 = new DataField<double>("f64");
        var i32 = new DataField<int>("i32");
        var i64 = new DataField<long>("i64");
        var s = new DataField<string>("s");
        var b = new DataField<bool>("b");
        var when = ParquetTimestamps.Field("when", utc: true);
        var item = new DataField<long>("element");
        var list = new ListField("list", item);

        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(driverId, eventTimestamp, f32, f64, i32, i64, s, b, when, list), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync<long>(driverId, new long[] { 1, 1 });
        await ParquetTimestamps.WriteAsync(group, eventTimestamp, [ParquetTimestamps.Micros(t0.AddHours(-1)), ParquetTimestamps.Micros(t0.AddHours(1))], CancellationToken.None);
        await group.WriteAsync<float>(f32, new[] { 1.5f, -1 });
        await group.WriteAsync<double>(f64, new[] { 2.5, -1 });
        await group.WriteAsync<int>(i32, new[] { 3, -1 });
        await group.WriteAsync<long>(i64, new long[] { 4, -1 });
        await group.WriteAsync(s, new[] { "four", "future" });
        await group.WriteAsync<bool>(b, new[] { true, false });
        await ParquetTimestamps.WriteAsync(group, when, [ParquetTimestamps.Micros(t0.AddDays(-1)), ParquetTimestamps.Micros(t0)], CancellationToken.None);
        // [1, 2] then []: items present at the full definition level, the empty list one below it.
        var present = item.MaxDefinitionLevel;
        await group.WriteAllPartsAsync<long>(item, new long[] { 1, 2 }, new[] { present, present, present - 1 }, new[] { 0, 1, 0 }, CancellationToken.None);
    }
}
