using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;
using DuckDB.NET.Data;
using Feast.DuckDb;
using Feast.Offline;
using Feast.Transformations;

namespace Feast.Cli.Tests.Transformations;

/// <summary>
/// Parquet files Feast.NET writes (training data, <c>get-historical-features -o</c>) with microsecond timestamps, read
/// back by DuckDB with a time filter. Parquet.Net 6.1 encodes a DateTime column's row-group min/max in milliseconds
/// whatever the column's unit, DuckDB reads them as microseconds (1970 dates) and skips every row group for a filter on
/// a later range: rows vanish silently. These tests pin that the files' statistics are right.
/// </summary>
public sealed class ParquetTimestampTests : IDisposable
{
    // Not whole milliseconds, and one microsecond apart at the edges, so any rounding of the statistics shows.
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2021, 4, 12, 10, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);
    private const int RowsPerBatch = 3;
    private const int Batches = 2;

    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The event time of row <paramref name="row"/>: hours apart, plus <paramref name="row"/> microseconds.</summary>
    private static DateTimeOffset Event(int row) => T0.AddHours(row).AddTicks(row * 10);

    private static DateTimeOffset First => Event(0);

    private static DateTimeOffset Last => Event((RowsPerBatch * Batches) - 1);

    private static async IAsyncEnumerable<RecordBatch> BatchesAsync()
    {
        for (var b = 0; b < Batches; b++)
        {
            var ids = new Int64Array.Builder();
            var events = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
            var naive = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, (string?)null));
            // Built by hand: ListArray.Builder's item builder ignores the unit and keeps milliseconds.
            var items = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
            var offsets = new ArrowBuffer.Builder<int>().Append(0);
            for (var i = 0; i < RowsPerBatch; i++)
            {
                var row = (b * RowsPerBatch) + i;
                ids.Append(row);
                events.Append(Event(row));
                // A null in each batch, and the naive column one microsecond past the event time.
                if (i == 1) naive.AppendNull();
                else naive.Append(Event(row).AddTicks(10));
                items.Append(Event(row));
                items.Append(Event(row).AddTicks(-10));
                offsets.Append(2 * (i + 1));
            }
            var schema = new Schema.Builder()
                .Field(f => f.Name("driver_id").DataType(Int64Type.Default).Nullable(true))
                .Field(f => f.Name("event_timestamp").DataType(new TimestampType(TimeUnit.Microsecond, "UTC")).Nullable(true))
                .Field(f => f.Name("naive_ts").DataType(new TimestampType(TimeUnit.Microsecond, (string?)null)).Nullable(true))
                .Field(f => f.Name("stamps").DataType(new ListType(new TimestampType(TimeUnit.Microsecond, "UTC"))).Nullable(true))
                .Build();
            var lists = new ListArray(schema.GetFieldByName("stamps").DataType, RowsPerBatch, offsets.Build(), items.Build(), ArrowBuffer.Empty, nullCount: 0);
            yield return new RecordBatch(schema, [ids.Build(), events.Build(), naive.Build(), lists], RowsPerBatch);
            await Task.Yield();
        }
    }

    private async Task<string> WriteAsync()
    {
        var path = _temp.File("training.parquet");
        await ArrowFiles.WriteAsync(BatchesAsync(), path, FileFormat.Parquet, CancellationToken.None);
        return path;
    }

    private static string Literal(DateTimeOffset value) =>
        "TIMESTAMPTZ '" + value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00'";

    private static string NaiveLiteral(DateTimeOffset value) =>
        "TIMESTAMP '" + value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "'";

    private static List<object?[]> Query(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'; " + sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static long Count(string sql) => Convert.ToInt64(Query(sql).Single()[0], CultureInfo.InvariantCulture);

    private static string Scan(string path) => "read_parquet('" + path.Replace("'", "''", StringComparison.Ordinal) + "')";

    [Fact]
    public async Task WriteAsync_MicrosecondTimestamps_DuckDbFilterAtTheExactBoundsFindsEveryRow()
    {
        var scan = Scan(await WriteAsync());

        Assert.Equal(6, Count($"SELECT count(*) FROM {scan} WHERE event_timestamp BETWEEN {Literal(First)} AND {Literal(Last)}"));
        // One microsecond inside either bound drops exactly the edge row, so the statistics are not rounded.
        Assert.Equal(1, Count($"SELECT count(*) FROM {scan} WHERE event_timestamp >= {Literal(Last)}"));
        Assert.Equal(1, Count($"SELECT count(*) FROM {scan} WHERE event_timestamp <= {Literal(First)}"));
        Assert.Equal(0, Count($"SELECT count(*) FROM {scan} WHERE event_timestamp > {Literal(Last)}"));
        Assert.Equal(5, Count($"SELECT count(*) FROM {scan} WHERE event_timestamp > {Literal(First)}"));
        // The naive column (wall clock, no UTC flag): rows 0, 2, 3, 5 have a value.
        Assert.Equal(4, Count($"SELECT count(*) FROM {scan} WHERE naive_ts BETWEEN {NaiveLiteral(Event(0).AddTicks(10))} AND {NaiveLiteral(Last.AddTicks(10))}"));
        Assert.Equal(1, Count($"SELECT count(*) FROM {scan} WHERE naive_ts >= {NaiveLiteral(Last.AddTicks(10))}"));
    }

    [Fact]
    public async Task WriteAsync_MicrosecondTimestamps_RowGroupStatisticsAreTheExactMinAndMax()
    {
        var path = await WriteAsync();

        // DuckDB's reading of each row group's statistics against the row group's own values.
        var stats = Query($"""
            SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value
            FROM parquet_metadata('{path.Replace("'", "''", StringComparison.Ordinal)}')
            WHERE path_in_schema IN ('event_timestamp', 'naive_ts')
            ORDER BY row_group_id, path_in_schema
            """);

        string Text(DateTimeOffset value, bool utc) =>
            value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture) + (utc ? "+00" : "");
        Assert.Equal(
        [
            [0L, "event_timestamp", Text(Event(0), true), Text(Event(2), true)],
            [0L, "naive_ts", Text(Event(0).AddTicks(10), false), Text(Event(2).AddTicks(10), false)],
            [1L, "event_timestamp", Text(Event(3), true), Text(Event(5), true)],
            [1L, "naive_ts", Text(Event(3).AddTicks(10), false), Text(Event(5).AddTicks(10), false)],
        ], stats.Select(r => new object?[] { Convert.ToInt64(r[0], CultureInfo.InvariantCulture), r[1], r[2], r[3] }));
    }

    [Fact]
    public async Task WriteAsync_MicrosecondTimestamps_ValuesAndNullsRoundTripExactly()
    {
        var scan = Scan(await WriteAsync());

        var rows = Query($"SELECT driver_id, epoch_us(event_timestamp), epoch_us(naive_ts), [epoch_us(s) FOR s IN stamps] FROM {scan} ORDER BY driver_id");

        static long Micros(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        Assert.Equal(6, rows.Count);
        for (var row = 0; row < rows.Count; row++)
        {
            Assert.Equal((long)row, rows[row][0]);
            Assert.Equal(Micros(Event(row)), rows[row][1]);
            Assert.Equal(row % 3 == 1 ? null : Micros(Event(row).AddTicks(10)), rows[row][2]);
            Assert.Equal([Micros(Event(row)), Micros(Event(row).AddTicks(-10))], ((System.Collections.IEnumerable)rows[row][3]!).Cast<long?>().Select(v => v!.Value));
        }
        // The column types other readers see: UTC-adjusted and naive microsecond timestamps.
        var types = Query($"SELECT column_name, column_type FROM (DESCRIBE SELECT event_timestamp, naive_ts, stamps FROM {scan})");
        Assert.Equal([["event_timestamp", "TIMESTAMP WITH TIME ZONE"], ["naive_ts", "TIMESTAMP"], ["stamps", "TIMESTAMP WITH TIME ZONE[]"]], types);
    }

    [Fact]
    public async Task WriteAsync_FileUsedAsSource_DuckDbPullOverTheExactRangeReturnsEveryRow()
    {
        var path = await WriteAsync();
        await using var store = new DuckDbOfflineStore(_temp.Path);
        var source = new FileSource(Path.GetFileName(path), "event_timestamp");

        var all = await CountAsync(store.PullAllAsync(new PullRequest(source, ["driver_id"], [], First, Last)));
        var latest = await CountAsync(store.PullLatestAsync(new PullRequest(source, ["driver_id"], [], First, Last)));

        Assert.Equal(6, all);
        Assert.Equal(6, latest);
    }

    [Fact]
    public void ArrowColumns_TimestampList_KeepsMicrosecondsNullsAndEmptyLists()
    {
        // On-demand outputs of Array(UnixTimestamp) reach ToParquetAsync through this array.
        var array = (ListArray)ArrowColumns.Build(FeastType.Array(FeastType.UnixTimestamp),
            [new List<object?> { Event(1), null, Event(2) }, null, new List<object?>()]);

        Assert.Equal((3, 1), (array.Length, array.NullCount));
        Assert.Equal([false, true, false], Enumerable.Range(0, 3).Select(array.IsNull));
        Assert.Equal([3, 0, 0], Enumerable.Range(0, 3).Select(array.GetValueLength));
        var items = Assert.IsType<TimestampArray>(array.Values);
        var type = (TimestampType)items.Data.DataType;
        Assert.Equal((TimeUnit.Microsecond, "UTC"), (type.Unit, type.Timezone));
        Assert.Equal([Event(1), null, Event(2)], Enumerable.Range(0, 3).Select(items.GetTimestamp));
    }

    private static async Task<int> CountAsync(IAsyncEnumerable<RecordBatch> batches)
    {
        var count = 0;
        await foreach (var batch in batches)
        {
            count += batch.Length;
            batch.Dispose();
        }
        return count;
    }
}
