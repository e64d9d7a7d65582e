using System.Text;
using Feast.Model.Proto;
using Feast.Tests;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.DuckDb.Tests.Model;

/// <summary>A <see cref="DuckDbSource"/>: its rules, and its registry mapping as <c>UseDuckDb()</c> registers it.</summary>
public class DuckDbSourceRegistryTests
{
    private static readonly FeastBackends Backends = new FeastBackends().UseDuckDb();

    private static DuckDbSource TableSource() => new(
        "driver_stats", table: "analytics.driver_stats", database: "data/feast.duckdb", timestampField: "event_timestamp",
        createdTimestampColumn: "created", fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id", ["rate"] = "conv_rate" },
        description: "Driver stats in DuckDB", tags: new Dictionary<string, string> { ["team"] = "drivers", ["tier"] = "gold" }, owner: "a@b.c");

    private static DuckDbSource QuerySource() => new(
        "driver_query", query: "SELECT * FROM read_parquet('data/driver.parquet') WHERE conv_rate > 0", timestampField: "event_timestamp");

    [Fact]
    public void Constructor_TableWithDatabase_KeepsValues()
    {
        var source = TableSource();

        Assert.Equal("analytics.driver_stats", source.Table);
        Assert.Null(source.Query);
        Assert.Equal("data/feast.duckdb", source.Database);
        Assert.Equal("DuckDbSource", source.SourceTypeName);
        Assert.Equal("DataSource", source.Kind);
    }

    [Fact]
    public void Constructor_EmptyStrings_MeanAbsent()
    {
        var source = new DuckDbSource("q", table: "", query: "SELECT 1", database: " ");

        Assert.Null(source.Table);
        Assert.Null(source.Database);
    }

    [Fact]
    public void Constructor_BothTableAndQuery_ThrowsNamingTheSource()
    {
        var error = Assert.Throws<FeastValidationException>(() => new DuckDbSource("both", table: "t", query: "SELECT 1", database: "x.duckdb"));

        Assert.Contains("'both'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Give one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NeitherTableNorQuery_ThrowsNamingTheSource()
    {
        var error = Assert.Throws<FeastValidationException>(() => new DuckDbSource("neither", database: "x.duckdb"));

        Assert.Contains("'neither'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Give one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TableWithoutDatabase_ThrowsAskingForTheDatabase()
    {
        var error = Assert.Throws<FeastValidationException>(() => new DuckDbSource("orphan", table: "t"));

        Assert.Contains("'orphan'", error.Message, StringComparison.Ordinal);
        Assert.Contains("database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SameTimestampAndCreatedColumn_Throws()
    {
        Assert.Throws<FeastValidationException>(() => new DuckDbSource("q", query: "SELECT 1", timestampField: "ts", createdTimestampColumn: "ts"));
    }

    [Fact]
    public void ToProto_TableSource_IsCustomSourceWithFeastFieldNumbers()
    {
        var source = new DuckDbSource("driver_stats", table: "driver_stats", database: "feast.duckdb", timestampField: "ts");
        var configuration = Encoding.UTF8.GetBytes("""{"name": "driver_stats", "query": "", "table": "driver_stats", "database": "feast.duckdb"}""");
        var expected = Wire.Concat(
            Wire.VarintField(1, 6),                                   // type CUSTOM_SOURCE
            Wire.StringField(3, "ts"),                                // timestamp_field
            Wire.BytesField(16, Wire.BytesField(1, configuration)),   // custom_options { configuration }
            Wire.StringField(17, "feast_dotnet.duckdb.DuckDbSource"), // data_source_class_type
            Wire.StringField(20, "driver_stats"),                     // name
            Wire.StringField(21, "my_project"));                      // project

        var proto = ProtoConverter.ToProto(source, "my_project");

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(proto.ToByteArray()));
    }

    [Fact]
    public void Configuration_TableSource_MatchesPythonJsonDumpsBytes()
    {
        // json.dumps({"name": ..., "query": ..., "table": ..., "database": ...}) in Python 3.
        const string Expected = """{"name": "driver_stats", "query": "", "table": "analytics.driver_stats", "database": "data/feast.duckdb"}""";

        var bytes = TableSource().WriteConfiguration();

        Assert.Equal(Expected, Encoding.UTF8.GetString(bytes));
        Assert.Equal(Convert.ToHexString(Encoding.ASCII.GetBytes(Expected)), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Configuration_QueryWithQuotesControlsAndNonAscii_EscapedAsPythonJsonDumps()
    {
        var source = new DuckDbSource("weird", query: "SELECT \"a\\b\", 'é' AS x\n\t-- \U0001F600\u007f\u0001\b\f\r/");
        // Python 3: json.dumps({"name": "weird", "query": q, "table": "", "database": ""}).encode().hex()
        const string ExpectedHex =
            "7b226e616d65223a20227765697264222c20227175657279223a202253454c454354205c22615c5c625c222c20275c75303065392720415320785c6e5c74"
            + "2d2d205c75643833645c75646530305c75303037665c75303030315c625c665c722f222c20227461626c65223a2022222c20226461746162617365223a2022227d";

        var bytes = source.WriteConfiguration();

        Assert.Equal(ExpectedHex, Convert.ToHexString(bytes), ignoreCase: true);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RoundTrip_ModelProtoModelProto_IsByteIdentical(bool table)
    {
        var source = table ? TableSource() : QuerySource();

        var first = ProtoConverter.ToProto(source, "p");
        var back = ProtoConverter.FromProto(P.DataSource.Parser.ParseFrom(first.ToByteArray()), Backends);
        var second = ProtoConverter.ToProto(back, "p");

        var duck = Assert.IsType<DuckDbSource>(back);
        Assert.Equal(source.Table, duck.Table);
        Assert.Equal(source.Query, duck.Query);
        Assert.Equal(source.Database, duck.Database);
        Assert.Equal(source.TimestampField, duck.TimestampField);
        Assert.Equal(source.CreatedTimestampColumn, duck.CreatedTimestampColumn);
        Assert.Equal(source.FieldMapping, duck.FieldMapping);
        Assert.Equal(source.Tags, duck.Tags);
        Assert.Equal(source.Description, duck.Description);
        Assert.Equal(source.Owner, duck.Owner);
        Assert.Equal(Convert.ToHexString(first.ToByteArray()), Convert.ToHexString(second.ToByteArray()));
    }

    [Fact]
    public void RoundTrip_InFeatureViewAndPushSource_KeepsTheDuckDbSource()
    {
        var push = new PushSource("driver_push", TableSource());
        var view = new FeatureView("driver_stats_view", push, [new Entity("driver", ["driver_id"], ValueType.Int64)], TimeSpan.FromDays(1),
            [new Field("conv_rate", FeastType.Float32)]);

        var first = ProtoConverter.ToProto(view, "p");
        var back = ProtoConverter.FromProto(P.FeatureView.Parser.ParseFrom(first.ToByteArray()), Backends);
        var second = ProtoConverter.ToProto(back, "p");

        Assert.IsType<DuckDbSource>(back.BatchSource);
        Assert.Equal(Convert.ToHexString(first.ToByteArray()), Convert.ToHexString(second.ToByteArray()));
    }

    [Fact]
    public void FromProto_ConfigurationWithoutDatabaseKey_ReadsAQuerySource()
    {
        // What a writer of the PostgreSQLSource layout (name, query, table only) would store.
        var proto = new P.DataSource
        {
            Name = "q",
            Type = P.DataSource.Types.SourceType.CustomSource,
            DataSourceClassType = DuckDbSource.FeastClassType,
            CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFromUtf8("""{"name": "q", "query": "SELECT 1", "table": ""}""") },
        };

        var source = Assert.IsType<DuckDbSource>(ProtoConverter.FromProto(proto, Backends));

        Assert.Equal("SELECT 1", source.Query);
        Assert.Null(source.Table);
        Assert.Null(source.Database);
    }

    [Fact]
    public void FromProto_InvalidConfigurationJson_ThrowsRegistryExceptionNamingTheSource()
    {
        var proto = new P.DataSource
        {
            Name = "broken",
            Type = P.DataSource.Types.SourceType.CustomSource,
            DataSourceClassType = DuckDbSource.FeastClassType,
            CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFromUtf8("{not json") },
        };

        var error = Assert.Throws<RegistryException>(() => ProtoConverter.FromProto(proto, Backends));

        Assert.Contains("'broken'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromProto_OtherCustomSourceClass_StaysOpaqueByteForByte()
    {
        var custom = new P.DataSource
        {
            Name = "custom",
            Project = "p",
            Type = P.DataSource.Types.SourceType.CustomSource,
            DataSourceClassType = "my_company.sources.LakehouseSource",
            CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFromUtf8("""{"name": "custom", "path": "s3://x"}""") },
            TimestampField = "ts",
        };

        var model = ProtoConverter.FromProto(custom, Backends);

        Assert.IsType<OpaqueDataSource>(model);
        Assert.Equal(custom, ProtoConverter.ToProto(model, "p"));
    }
}
