using System.Text.Json.Serialization;
using Parquet.Serialization;
using Parquet.Serialization.Attributes;

namespace Feast.DuckDb.Tests;

/// <summary>Source files written with Parquet.Net rather than DuckDB, so the reader is not only tested against itself.</summary>
internal static class ParquetFiles
{
    public static async Task WriteTypedDriverFileAsync(string path, DateTimeOffset t0)
    {
        TypedRow[] rows =
        [
            new()
            {
                DriverId = 1, EventTimestamp = t0.UtcDateTime.AddHours(-1), F32 = 1.5f, F64 = 2.5, I32 = 3, I64 = 4, S = "four", B = true,
                When = t0.UtcDateTime.AddDays(-1), List = [1, 2],
            },
            new()
            {
                DriverId = 1, EventTimestamp = t0.UtcDateTime.AddHours(1), F32 = -1, F64 = -1, I32 = -1, I64 = -1, S = "future", B = false,
                When = t0.UtcDateTime, List = [],
            },
        ];
        await ParquetSerializer.SerializeAsync(rows, path);
    }

    internal sealed class TypedRow
    {
        [JsonPropertyName("driver_id")]
        public long DriverId { get; set; }

        [JsonPropertyName("event_timestamp")]
        [ParquetTimestamp(ParquetTimestampResolution.Microseconds, true, true)]
        public DateTime EventTimestamp { get; set; }

        [JsonPropertyName("f32")]
        public float F32 { get; set; }

        [JsonPropertyName("f64")]
        public double F64 { get; set; }

        [JsonPropertyName("i32")]
        public int I32 { get; set; }

        [JsonPropertyName("i64")]
        public long I64 { get; set; }

        [JsonPropertyName("s")]
        public string S { get; set; } = "";

        [JsonPropertyName("b")]
        public bool B { get; set; }

        [JsonPropertyName("when")]
        [ParquetTimestamp(ParquetTimestampResolution.Microseconds, true, true)]
        public DateTime When { get; set; }

        [JsonPropertyName("list")]
        public List<long> List { get; set; } = [];
    }
}
