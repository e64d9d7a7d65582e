using Apache.Arrow;
using Apache.Arrow.Types;
using DuckDB.NET.Data;
using Feast.Offline;

namespace Feast.DuckDb.Tests;

/// <summary>A temporary directory with a DuckDB offline store rooted in it; both go away when disposed.</summary>
internal sealed class StoreFixture : IAsyncDisposable
{
    public StoreFixture(string? subdirectory = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "feast-duckdb-tests", Guid.NewGuid().ToString("N"), subdirectory ?? "repo");
        Directory.CreateDirectory(Root);
        Store = new DuckDbOfflineStore(Root);
    }

    /// <summary>The repo directory (the store's repo path).</summary>
    public string Root { get; }

    public DuckDbOfflineStore Store { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes the rows of <paramref name="select"/> to <paramref name="relative"/> with DuckDB's COPY (Parquet or CSV by extension).</summary>
    public string Write(string relative, string select)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var format = path.EndsWith(".csv", StringComparison.Ordinal) ? "FORMAT csv, HEADER true" : "FORMAT parquet";
        Duck.Execute($"COPY ({select}) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' ({format})");
        return path;
    }

    public string WriteText(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(Path.GetDirectoryName(Root)!, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }
}

/// <summary>Direct DuckDB access for writing fixtures and reading results back.</summary>
internal static class Duck
{
    public static void Execute(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'; " + sql;
        command.ExecuteNonQuery();
    }

    public static List<object?[]> Query(string sql) => Query("DataSource=:memory:", sql);

    /// <summary>Runs <paramref name="sql"/> on the database named by <paramref name="connectionString"/> and returns every row.</summary>
    public static List<object?[]> Query(string connectionString, string sql)
    {
        using var connection = new DuckDBConnection(connectionString);
        connection.Open();
        using (var set = connection.CreateCommand())
        {
            set.CommandText = "SET TimeZone = 'UTC'";
            set.ExecuteNonQuery();
        }
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }
}

/// <summary>Builders for views, requests and entity rows, and readers for results.</summary>
internal static class T
{
    /// <summary>The reference instant of most tests.</summary>
    public static readonly DateTimeOffset T0 = new(2021, 4, 12, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A DuckDB TIMESTAMPTZ literal for <paramref name="value"/>.</summary>
    public static string Ts(DateTimeOffset value) =>
        "TIMESTAMPTZ '" + value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture) + "+00'";

    public static Entity Driver { get; } = new("driver", ["driver_id"], ValueType.Int64);

    public static FeatureView View(string name, DataSource source, TimeSpan ttl, IEnumerable<Entity> entities, params Field[] schema) =>
        new(name, source, entities, ttl, schema);

    public static FeatureView DriverView(string path, TimeSpan ttl, string created = "", params Field[] features) =>
        View("driver_stats", new FileSource(path, "event_timestamp", createdTimestampColumn: created), ttl, [Driver],
            [new Field("driver_id", FeastType.Int64), .. features.Length == 0 ? [new Field("conv_rate", FeastType.Float32)] : features]);

    /// <summary>A request for <paramref name="features"/> (all of the view's when empty) of a view or projection.</summary>
    public static FeatureViewRequest Request(BaseFeatureView projected, params string[] features)
    {
        var view = (FeatureView)projected;
        var fields = features.Length == 0 ? view.Projection.Features : [.. features.Select(f => view.Features.Single(x => x.Name == f))];
        return new FeatureViewRequest(view, view.Projection, fields);
    }

    public static EntityData Rows(params (string Column, object? Value)[][] rows) =>
        EntityData.FromRows(rows.Select(r => (IReadOnlyDictionary<string, object?>)r.ToDictionary(c => c.Column, c => c.Value)));

    public static async Task<Result> RunAsync(DuckDbOfflineStore store, EntityData entities, bool fullNames, params FeatureViewRequest[] views)
    {
        var job = store.GetHistoricalFeatures(new HistoricalRetrievalRequest(entities, views, fullNames));
        var batches = new List<RecordBatch>();
        await foreach (var batch in job.ToArrowAsync())
            batches.Add(batch);
        return new Result(batches);
    }

    public static Task<Result> RunAsync(DuckDbOfflineStore store, EntityData entities, params FeatureViewRequest[] views) =>
        RunAsync(store, entities, false, views);

    public static async Task<Result> CollectAsync(IAsyncEnumerable<RecordBatch> stream)
    {
        var batches = new List<RecordBatch>();
        await foreach (var batch in stream)
            batches.Add(batch);
        return new Result(batches);
    }

    /// <summary>The value at <paramref name="index"/> of an Arrow array as a plain .NET value.</summary>
    public static object? Value(IArrowArray array, int index)
    {
        if (array.IsNull(index))
            return null;
        return array switch
        {
            Int64Array a => a.GetValue(index),
            Int32Array a => a.GetValue(index),
            Int16Array a => a.GetValue(index),
            DoubleArray a => a.GetValue(index),
            FloatArray a => a.GetValue(index),
            BooleanArray a => a.GetValue(index),
            StringArray a => a.GetString(index),
            BinaryArray a => a.GetBytes(index).ToArray(),
            TimestampArray a => a.GetTimestamp(index),
            ListArray a => Enumerable.Range(0, a.GetValueLength(index)).Select(i => Value(a.Values, a.ValueOffsets[index] + i)).ToList(),
            _ => throw new NotSupportedException(array.GetType().Name),
        };
    }
}

/// <summary>A materialised result: its batches, schema and rows as .NET values.</summary>
internal sealed class Result
{
    public Result(IReadOnlyList<RecordBatch> batches)
    {
        Batches = batches;
        Schema = batches.Count > 0 ? batches[0].Schema : new Schema([], null);
        foreach (var batch in batches)
        {
            for (var i = 0; i < batch.Length; i++)
                Rows.Add([.. Enumerable.Range(0, batch.ColumnCount).Select(c => T.Value(batch.Column(c), i))]);
        }
    }

    public IReadOnlyList<RecordBatch> Batches { get; }

    public Schema Schema { get; }

    public List<object?[]> Rows { get; } = [];

    public IReadOnlyList<string> Columns => [.. Schema.FieldsList.Select(f => f.Name)];

    public IArrowType TypeOf(string column) => Schema.GetFieldByName(column).DataType;

    public object? this[int row, string column] => Rows[row][Schema.GetFieldIndex(column)];

    public List<object?> Column(string column) => [.. Rows.Select(r => r[Schema.GetFieldIndex(column)])];
}
