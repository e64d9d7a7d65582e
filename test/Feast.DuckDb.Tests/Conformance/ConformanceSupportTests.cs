using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Offline;
using Parquet;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>
/// The conformance suite's own plumbing: file writers, Arrow conversions and the generated datasets. A store failing the
/// suite should mean the store is wrong, not the test data.
/// </summary>
public sealed class ConformanceSupportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "feast-conformance-support", Guid.NewGuid().ToString("N"));

    public ConformanceSupportTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static TestTable AllTypes() =>
        new TestTable(new TestColumn("i32", ColumnType.Int32), new TestColumn("i64", ColumnType.Int64), new TestColumn("f32", ColumnType.Float32),
                new TestColumn("f64", ColumnType.Float64), new TestColumn("b", ColumnType.Bool), new TestColumn("s", ColumnType.String),
                new TestColumn("ts", ColumnType.Timestamp), new TestColumn("naive_ts", ColumnType.Timestamp, Naive: true))
            .Add(1, 2L, 1.5f, 2.25, true, "a,\"quoted\"", SmallDataset.T0 + SmallDataset.Micro, SmallDataset.T0.ToOffset(TimeSpan.FromHours(1)))
            .Add(null, null, null, null, null, null, null, null)
            .Add(int.MinValue, long.MaxValue, float.MaxValue, double.Epsilon, false, "", DateTime.SpecifyKind(SmallDataset.T0.UtcDateTime, DateTimeKind.Unspecified), SmallDataset.T0);

    [Fact]
    public async Task ParquetFiles_WriteThenRead_RoundTripsEveryTypeAtMicrosecondPrecision()
    {
        var path = Path.Combine(_dir, "all.parquet");
        var table = AllTypes();

        await ParquetFiles.WriteAsync(table, path);
        var read = await ParquetFiles.ReadAsync(path);

        Assert.Equal(table.Columns.Select(c => (c.Name, c.Type)), read.Columns.Select(c => (c.Name, c.Type)));
        Assert.Null(TableAssert.FirstDifference(table, ArrowTables.FromBatches([ArrowTables.ToRecordBatch(read)])));
    }

    [Fact]
    public async Task ParquetFiles_Write_UsesFeastsPhysicalTypes()
    {
        var path = Path.Combine(_dir, "all.parquet");

        await ParquetFiles.WriteAsync(AllTypes(), path);

        await using var reader = await ParquetReader.CreateAsync(path);
        var footer = reader.Metadata!.Schema.Where(e => e.Type is not null).ToDictionary(e => e.Name);
        Assert.Equal(Parquet.Meta.Type.INT32, footer["i32"].Type);
        Assert.Equal(Parquet.Meta.Type.INT64, footer["i64"].Type);
        Assert.Equal(Parquet.Meta.Type.FLOAT, footer["f32"].Type);
        Assert.Equal(Parquet.Meta.Type.DOUBLE, footer["f64"].Type);
        Assert.Equal(Parquet.Meta.Type.BOOLEAN, footer["b"].Type);
        Assert.Equal(Parquet.Meta.Type.BYTE_ARRAY, footer["s"].Type);
        Assert.True(footer["ts"].LogicalType!.TIMESTAMP!.IsAdjustedToUTC);
        Assert.NotNull(footer["ts"].LogicalType!.TIMESTAMP!.Unit.MICROS);
        Assert.False(footer["naive_ts"].LogicalType!.TIMESTAMP!.IsAdjustedToUTC);
    }

    [Fact]
    public void CsvFiles_WriteThenRead_RoundTripsValues()
    {
        var path = Path.Combine(_dir, "entities.csv");
        var table = new TestTable(new TestColumn("id", ColumnType.Int64), new TestColumn("name", ColumnType.String),
                new TestColumn("fare", ColumnType.Float64), new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(1L, "a, b", 1.5, SmallDataset.T0 + SmallDataset.Micro)
            .Add(2L, null, null, SmallDataset.T0.ToOffset(TimeSpan.FromHours(-8)));

        CsvFiles.Write(table, path);
        var read = CsvFiles.Read(path);

        Assert.Equal([ColumnType.Int64, ColumnType.String, ColumnType.Float64, ColumnType.Timestamp], read.Columns.Select(c => c.Type));
        Assert.Null(TableAssert.FirstDifference(table, ArrowTables.FromBatches([ArrowTables.ToRecordBatch(read)])));
        Assert.Equal("id,name,fare,event_timestamp", File.ReadLines(path).First());
    }

    [Fact]
    public void CsvFiles_RotatingOffsets_WriteFourSpellingsOfTheSameInstants()
    {
        var path = Path.Combine(_dir, "rotating.csv");
        var entities = new UniversalDataset().EntityRows;

        CsvFiles.Write(entities, path, CsvFiles.RotatingOffsets);
        var lines = File.ReadAllLines(path);
        var read = CsvFiles.Read(path);

        Assert.EndsWith(",100", lines[1], StringComparison.Ordinal);
        Assert.Contains("Z,", lines[2], StringComparison.Ordinal);
        Assert.Contains("+01:00,", lines[3], StringComparison.Ordinal);
        Assert.Contains("-08:00,", lines[4], StringComparison.Ordinal);
        Assert.Null(TableAssert.FirstDifference(entities, ArrowTables.FromBatches([ArrowTables.ToRecordBatch(read)])));
    }

    [Fact]
    public void ArrowTables_ToRows_GivesEntityDataWithInstantsAndInt64Keys()
    {
        var entities = new UniversalDataset().EntityRows;

        var batch = Assert.IsType<ArrowEntityData>(ArrowTables.ToRows(entities)).Batches.Single();

        Assert.IsType<Int64Type>(batch.Schema.GetFieldByName("customer_id").DataType);
        Assert.IsType<TimestampType>(batch.Schema.GetFieldByName("event_timestamp").DataType);
        Assert.Null(TableAssert.FirstDifference(entities, ArrowTables.FromBatches([batch])));
    }

    [Fact]
    public void ArrowTables_ToRecordBatch_KeepsExactTypes()
    {
        var batch = ArrowTables.ToRecordBatch(AllTypes());

        Assert.Equal(
            [typeof(Int32Type), typeof(Int64Type), typeof(FloatType), typeof(DoubleType), typeof(BooleanType), typeof(StringType), typeof(TimestampType), typeof(TimestampType)],
            batch.Schema.FieldsList.Select(f => f.DataType.GetType()));
        Assert.Equal(3, batch.Length);
    }

    [Fact]
    public void ArrowTables_FromTable_ReadsChunkedColumns()
    {
        var table = AllTypes();
        var batch = ArrowTables.ToRecordBatch(table);

        var read = ArrowTables.FromTable(Apache.Arrow.Table.TableFromRecordBatches(batch.Schema, [batch, batch]));

        Assert.Equal(6, read.Count);
        Assert.True(Values.Same(long.MaxValue, read.Get(5, "i64")));
    }

    [Fact]
    public void TableAssert_FirstDifference_NamesRowColumnAndValues()
    {
        var expected = new TestTable(new TestColumn("id", ColumnType.Int64), new TestColumn("v", ColumnType.Float32)).Add(1L, 1.5f).Add(2L, 2.5f);
        var actual = new ResultTable(["id", "v"], [Int64Type.Default, DoubleType.Default], [[1L, 1.5], [2L, 2.4]]);

        var difference = TableAssert.FirstDifference(expected, actual);

        Assert.NotNull(difference);
        Assert.Contains("Row 1, column 'v': expected 2.5f, actual 2.4", difference, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_Same_ComparesAcrossWidthsButNotAcrossKinds()
    {
        Assert.True(Values.Same(3, 3L));
        Assert.True(Values.Same(1.1f, (double)1.1f));
        Assert.False(Values.Same(1.1f, 1.1));
        Assert.False(Values.Same(1L, 1.0));
        Assert.False(Values.Same("1", 1L));
        Assert.True(Values.Same(SmallDataset.T0, SmallDataset.T0.ToOffset(TimeSpan.FromHours(5)).UtcDateTime));
        Assert.False(Values.Same(null, 0L));
        Assert.True(Values.Same(null, null));
    }

    [Fact]
    public void UniversalDataset_Reference_IsNotDegenerate()
    {
        var data = new UniversalDataset();
        var views = data.Reference(UniversalDataset.MainFeatureRefs);

        var result = ReferencePointInTimeJoin.Join(data.EntityRows, views, fullFeatureNames: true);

        Assert.Equal(20, result.Count);
        // Every order finds itself in the order view (its own timestamp, inclusive).
        Assert.All(result.Rows, r => Assert.NotNull(r[result.IndexOf("order__order_is_success")]));
        Assert.All(result.Rows, r => Assert.NotNull(r[result.IndexOf("driver_stats__conv_rate")]));
        Assert.All(result.Rows, r => Assert.NotNull(r[result.IndexOf("global_stats__num_rides")]));
        // The first order is at the window start, exactly when the first field_mapping row is (inclusive).
        Assert.Equal(1L, result.Get(0, "field_mapping__feature_name"));
        // Customers with only a month-old profile are null with the 2-day TTL and found without it.
        var old = Enumerable.Range(0, 20).Where(r => (long)data.EntityRows.Get(r, "customer_id")! >= 1017).ToList();
        Assert.NotEmpty(old);
        Assert.All(old, r => Assert.Null(result.Get(r, "customer_profile__current_balance")));
        var noTtl = new UniversalDataset(noTtl: true);
        var unlimited = ReferencePointInTimeJoin.Join(noTtl.EntityRows, noTtl.Reference(UniversalDataset.MainFeatureRefs), fullFeatureNames: true);
        Assert.All(old, r => Assert.NotNull(unlimited.Get(r, "customer_profile__current_balance")));
    }

    [Fact]
    public void UniversalDataset_EntityTimestamps_RotateThroughFourZones()
    {
        var entities = new UniversalDataset().EntityRows;
        var stamps = entities.Rows.Select(r => r[entities.IndexOf("event_timestamp")]).ToList();

        Assert.Equal(DateTimeKind.Unspecified, Assert.IsType<DateTime>(stamps[0]).Kind);
        Assert.Equal(DateTimeKind.Utc, Assert.IsType<DateTime>(stamps[1]).Kind);
        Assert.Equal(TimeSpan.FromHours(1), Assert.IsType<DateTimeOffset>(stamps[2]).Offset);
        Assert.Equal(TimeSpan.FromHours(-8), Assert.IsType<DateTimeOffset>(stamps[3]).Offset);
        Assert.Equal(UniversalDataset.Start, Values.Instant(stamps[0]!));
    }

    [Fact]
    public void RandomScenario_EverySeed_IsUnambiguousAndCoversTheEdges()
    {
        var cases = 0;
        var hits = 0;
        var entityless = 0;
        var stringKeys = 0;
        var mapped = 0;
        var noTtl = 0;
        for (var seed = 1; seed <= 50; seed++)
        {
            var scenario = RandomScenario.Generate(seed, _dir);

            var expected = scenario.Expected(); // throws on a tie the data leaves to chance

            cases += scenario.Entities.Count * scenario.Views.Count;
            var features = expected.Columns.Count - scenario.Entities.Columns.Count;
            hits += expected.Rows.Count(r => r.Skip(scenario.Entities.Columns.Count).Any(v => v is not null));
            entityless += scenario.Views.Count(v => v.Request.View.IsEntityless);
            stringKeys += scenario.Views.Count(v => v.Request.View.JoinKeys.Contains("id_b"));
            mapped += scenario.Views.Count(v => v.Request.Projection.JoinKeyMap.Count > 0);
            noTtl += scenario.Views.Count(v => v.Request.View.Ttl == TimeSpan.Zero);
            Assert.True(features > 0);
        }

        Assert.True(cases > 5000, $"{cases} cases");
        Assert.True(hits > cases / 10, $"only {hits} of {cases} rows found any feature");
        Assert.True(entityless > 3 && stringKeys > 3 && mapped > 3 && noTtl > 3, $"entityless {entityless}, string keys {stringKeys}, mapped {mapped}, no ttl {noTtl}");
    }

    [Fact]
    public void RandomScenario_SameSeed_GivesSameScenario()
    {
        var a = RandomScenario.Generate(7, _dir);
        var b = RandomScenario.Generate(7, _dir);

        Assert.Equal(a.Entities.Count, b.Entities.Count);
        Assert.Null(TableAssert.FirstDifference(a.Expected(), ArrowTables.FromBatches([ArrowTables.ToRecordBatch(b.Expected())])));
    }
}
