using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>How a random scenario hands its entity rows to the store.</summary>
internal enum EntityForm
{
    Rows,
    Arrow,
    ParquetFile,
    CsvFile,
}

/// <summary>
/// A random point-in-time join for differential testing: up to 3 views (int, string, two-key, join-key-mapped or
/// entity-less), few keys so rows collide, timestamps on a coarse grid so they tie, created timestamps that tie too,
/// entity timestamps placed exactly at, and one microsecond around, T - ttl and T, duplicate entity rows, null features.
/// Rows that tie on both timestamps carry equal features, so the expected result is never left to chance.
/// </summary>
internal sealed class RandomScenario
{
    public static readonly DateTimeOffset Base = new(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Micro = TimeSpan.FromTicks(TimeSpan.TicksPerMicrosecond);
    private static readonly TimeSpan Grid = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan[] Ttls = [TimeSpan.Zero, TimeSpan.FromHours(1), TimeSpan.FromMinutes(90), TimeSpan.FromDays(1), TimeSpan.FromMinutes(15), Micro];
    private static readonly ColumnType[] FeatureTypes = [ColumnType.Float32, ColumnType.Float64, ColumnType.Int32, ColumnType.Int64, ColumnType.Bool, ColumnType.String];

    public static readonly Entity A = new("entity_a", ["id_a"], ValueType.Int64);
    public static readonly Entity B = new("entity_b", ["id_b"], ValueType.String);

    private readonly Random _random;

    private readonly string _root;

    private RandomScenario(int seed, string root, int maxEntityRows, int maxSourceRows)
    {
        Seed = seed;
        _root = root;
        _random = new Random(seed);
        FullFeatureNames = _random.Next(2) == 0;
        Form = (EntityForm)(seed % 4);
        KeyCount = _random.Next(1, 9);

        var viewCount = _random.Next(1, 4);
        var views = new List<ReferenceView>();
        var paths = new List<string>();
        for (var v = 0; v < viewCount; v++)
        {
            var (view, projection, source) = MakeView(v, maxSourceRows);
            var features = view.Features.Where(_ => _random.Next(4) > 0).ToList();
            if (features.Count == 0) features.Add(view.Features[0]);
            views.Add(new ReferenceView(new FeatureViewRequest(view, projection, features), source));
            paths.Add(((FileSource)view.BatchSource).Path);
        }
        Views = views;
        SourcePaths = paths;
        Entities = MakeEntities(maxEntityRows);
    }

    public int Seed { get; }

    public bool FullFeatureNames { get; }

    public EntityForm Form { get; }

    private int KeyCount { get; }

    /// <summary>The entity rows: id_a (int64), id_c (int64, for a join-key-mapped view), id_b (string), event_timestamp, note (string).</summary>
    public TestTable Entities { get; }

    /// <summary>The views and their source rows, in request order.</summary>
    public IReadOnlyList<ReferenceView> Views { get; }

    /// <summary>Each view's source path (relative to the repo or absolute, as the view names it).</summary>
    public IReadOnlyList<string> SourcePaths { get; }

    /// <summary>A scenario; <paramref name="root"/> prefixes absolute source paths (every other view's source is absolute).</summary>
    public static RandomScenario Generate(int seed, string root, int maxEntityRows = 200, int maxSourceRows = 500) =>
        new(seed, root, maxEntityRows, maxSourceRows);

    public async Task WriteSourcesAsync(string repoPath)
    {
        for (var i = 0; i < Views.Count; i++)
        {
            var path = SourcePaths[i];
            await ParquetFiles.WriteAsync(Views[i].Source, Path.IsPathRooted(path) ? path : Path.Combine(repoPath, path));
        }
    }

    public TestTable Expected() => ReferencePointInTimeJoin.Join(Entities, Views, FullFeatureNames);

    public HistoricalRetrievalRequest Request(EntityData entities) =>
        new(entities, [.. Views.Select(v => v.Request)], FullFeatureNames);

    private long KeyA() => _random.Next(1, KeyCount + 1);

    private string KeyB() => "k" + _random.Next(1, KeyCount + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private (FeatureView View, FeatureViewProjection Projection, TestTable Source) MakeView(int index, int maxSourceRows)
    {
        // 0: keyed by id_a; 1: by id_b (string); 2: by id_a and id_b; 3: by id_a but joined on entity column id_c; 4: no entity.
        var shape = _random.Next(5);
        var name = $"s{Seed}_v{index}";
        var hasCreated = _random.Next(2) == 0;
        var ttl = Ttls[_random.Next(Ttls.Length)];
        var featureCount = _random.Next(1, 4);
        var featureColumns = Enumerable.Range(0, featureCount)
            .Select(f => new TestColumn($"{name}_f{f}", FeatureTypes[_random.Next(FeatureTypes.Length)]))
            .ToList();

        var columns = new List<TestColumn>();
        if (shape is 0 or 2 or 3) columns.Add(new TestColumn("id_a", ColumnType.Int64));
        if (shape is 1 or 2) columns.Add(new TestColumn("id_b", ColumnType.String));
        columns.AddRange(featureColumns);
        columns.Add(new TestColumn("ts", ColumnType.Timestamp));
        if (hasCreated) columns.Add(new TestColumn("created_ts", ColumnType.Timestamp));
        var source = new TestTable(columns);

        var rows = _random.Next(0, maxSourceRows + 1);
        for (var r = 0; r < rows; r++)
        {
            var values = new List<object?>();
            if (source.Has("id_a")) values.Add(KeyA());
            if (source.Has("id_b")) values.Add(KeyB());
            values.AddRange(featureColumns.Select(c => RandomValue(c.Type)));
            // Coarse grid (ties), sometimes a microsecond off it.
            var ts = Base + (Grid * _random.Next(0, 97)) + (Micro * (_random.Next(6) switch { 0 => -1, 1 => 1, _ => 0 }));
            values.Add(ts);
            if (hasCreated) values.Add(Base + TimeSpan.FromHours(_random.Next(0, 3)));
            source.Add([.. values]);
            // Sometimes an exact duplicate row (like Feast's driver data), or the same event at another created time.
            if (_random.Next(10) == 0) source.Add([.. values]);
            if (hasCreated && _random.Next(10) == 0)
            {
                values[^1] = Base + TimeSpan.FromHours(3 + _random.Next(0, 2));
                for (var f = 0; f < featureColumns.Count; f++) values[source.IndexOf(featureColumns[f].Name)] = RandomValue(featureColumns[f].Type);
                source.Add([.. values]);
            }
        }
        source = Untie(source, featureColumns);

        var path = index % 2 == 0
            ? $"data/{name}.parquet"
            : Path.Combine(_root, $"{name}.parquet");
        var file = new FileSource(path, "ts", name: name + "_source", createdTimestampColumn: hasCreated ? "created_ts" : "");
        IReadOnlyList<Entity> entities = shape switch
        {
            0 or 3 => [A],
            1 => [B],
            2 => [A, B],
            _ => [],
        };
        var view = new FeatureView(name, file, entities, ttl, featureColumns.Select(c => new Field(c.Name, FeastTypeOf(c.Type))));
        var projection = shape == 3
            ? view.WithJoinKeyMap(new Dictionary<string, string> { ["id_a"] = "id_c" }).Projection
            : view.Projection;
        if (_random.Next(4) == 0) projection = projection with { NameAlias = name + "_alias" };
        return (view, projection, source);
    }

    /// <summary>Rows with equal keys and equal (ts, created) get the first such row's features: a tie must not decide the result.</summary>
    private static TestTable Untie(TestTable source, List<TestColumn> features)
    {
        var keyColumns = source.Columns.Where(c => c.Name is "id_a" or "id_b" or "ts" or "created_ts").Select(c => source.IndexOf(c.Name)).ToList();
        var first = new Dictionary<string, object?[]>(StringComparer.Ordinal);
        var result = new TestTable(source.Columns);
        foreach (var row in source.Rows)
        {
            var key = string.Join("|", keyColumns.Select(i => Values.Format(row[i])));
            if (first.TryGetValue(key, out var winner))
            {
                var copy = (object?[])row.Clone();
                foreach (var f in features)
                {
                    var i = source.IndexOf(f.Name);
                    copy[i] = winner[i];
                }
                result.Add(copy);
            }
            else
            {
                first[key] = row;
                result.Add(row);
            }
        }
        return result;
    }

    private TestTable MakeEntities(int maxEntityRows)
    {
        var entities = new TestTable(new TestColumn("id_a", ColumnType.Int64), new TestColumn("id_c", ColumnType.Int64),
            new TestColumn("id_b", ColumnType.String), new TestColumn("event_timestamp", ColumnType.Timestamp),
            new TestColumn("note", ColumnType.String));
        var count = _random.Next(1, maxEntityRows + 1);
        for (var r = 0; r < count; r++)
        {
            if (r > 0 && _random.Next(10) == 0)
            {
                // A duplicate entity row, kept as its own output row.
                entities.Add(entities.Rows[_random.Next(r)]);
                continue;
            }
            var t = EntityTime(out var key);
            var a = key.A ?? KeyA();
            var c = key.C ?? (_random.Next(3) == 0 ? KeyA() : a);
            var b = key.B ?? KeyB();
            entities.Add(a, c, b, t, "row " + r.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return entities;
    }

    /// <summary>An entity timestamp: often placed relative to a real source row at the TTL and event-time edges.</summary>
    private DateTimeOffset EntityTime(out (long? A, long? C, string? B) key)
    {
        key = (null, null, null);
        var view = Views[_random.Next(Views.Count)];
        if (view.Source.Count == 0 || _random.Next(4) == 0)
            return Base + (Grid * _random.Next(-4, 110)) + (Micro * _random.Next(-1, 2));

        var row = view.Source.Rows[_random.Next(view.Source.Count)];
        var ts = Values.Instant(row[view.Source.IndexOf("ts")]!);
        // Take the entity keys from that row, so the entity row has candidates (id_c when the view joins id_a on id_c).
        var a = view.Source.Has("id_a") ? (long?)row[view.Source.IndexOf("id_a")] : null;
        var b = view.Source.Has("id_b") ? (string?)row[view.Source.IndexOf("id_b")] : null;
        key = view.Request.Projection.JoinKeyMap.ContainsKey("id_a") ? (null, a, b) : (a, null, b);
        var ttl = view.Request.View.Ttl;
        return _random.Next(7) switch
        {
            0 => ts,                   // T == ts: included
            1 => ts - Micro,           // T just before ts: excluded
            2 => ts + ttl,             // ts == T - ttl: included
            3 => ts + ttl + Micro,     // ts just older than T - ttl: excluded (when ttl > 0)
            4 => ts + ttl - Micro,
            5 => ts + Micro,
            _ => ts + (Grid * _random.Next(0, 8)),
        };
    }

    private object? RandomValue(ColumnType type)
    {
        if (_random.Next(12) == 0) return null;
        return type switch
        {
            ColumnType.Float32 => (float)Math.Round(_random.NextDouble() * 100, 3),
            ColumnType.Float64 => _random.NextDouble() * 1e6,
            ColumnType.Int32 => _random.Next(int.MinValue, int.MaxValue),
            ColumnType.Int64 => _random.NextInt64(long.MinValue, long.MaxValue),
            ColumnType.Bool => _random.Next(2) == 0,
            ColumnType.String => "v" + _random.Next(0, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new NotSupportedException(type.ToString()),
        };
    }

    public static FeastType FeastTypeOf(ColumnType type) => type switch
    {
        ColumnType.Float32 => FeastType.Float32,
        ColumnType.Float64 => FeastType.Float64,
        ColumnType.Int32 => FeastType.Int32,
        ColumnType.Int64 => FeastType.Int64,
        ColumnType.Bool => FeastType.Bool,
        ColumnType.String => FeastType.String,
        ColumnType.Timestamp => FeastType.UnixTimestamp,
        _ => throw new NotSupportedException(type.ToString()),
    };
}
