using Apache.Arrow;
using Feast.Values;

namespace Feast;

/// <summary>
/// Rows of feature data to push or write (Feast's <c>df</c> argument): join keys, features and the event timestamp
/// column, named as the view's batch source names them. Built from columns, row dictionaries, typed records or Arrow.
/// </summary>
public sealed class FeatureRows
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<object?>>? _columns;
    private readonly RecordBatch? _batch;

    private FeatureRows(IReadOnlyDictionary<string, IReadOnlyList<object?>>? columns, RecordBatch? batch, int count)
    {
        _columns = columns;
        _batch = batch;
        Count = count;
    }

    /// <summary>The number of rows.</summary>
    public int Count { get; }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> ColumnNames => _batch is not null ? [.. _batch.Schema.FieldsList.Select(f => f.Name)] : [.. _columns!.Keys];

    /// <summary>Rows given column by column (as the feature server's <c>df</c> JSON is): name → one value per row.</summary>
    /// <exception cref="FeastValidationException">The columns have different lengths.</exception>
    public static FeatureRows FromColumns(IReadOnlyDictionary<string, IReadOnlyList<object?>> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var lengths = columns.Select(c => (c.Key, c.Value?.Count ?? 0)).ToList();
        var count = lengths.Count == 0 ? 0 : lengths[0].Item2;
        var bad = lengths.FirstOrDefault(l => l.Item2 != count);
        if (bad.Key is not null)
            throw new FeastValidationException($"Column '{bad.Key}' has {bad.Item2} {(bad.Item2 == 1 ? "value" : "values")} but column '{lengths[0].Key}' has {count}; every column needs one value per row.");
        return new FeatureRows(columns, null, count);
    }

    /// <summary>Rows given as column name → value dictionaries.</summary>
    public static FeatureRows FromRows(IEnumerable<IReadOnlyDictionary<string, object?>> rows) =>
        FromColumns(Online.OnlineFeaturesRequest.Columns(rows));

    /// <summary>Rows given as typed objects; each public readable property is a column named as the property.</summary>
    public static FeatureRows FromRecords<T>(IEnumerable<T> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var properties = typeof(T).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .ToArray();
        var list = records.ToList();
        return FromColumns(properties.ToDictionary(p => p.Name, p => (IReadOnlyList<object?>)[.. list.Select(r => p.GetValue(r))], StringComparer.Ordinal));
    }

    /// <summary>Rows given as an Arrow record batch.</summary>
    public static FeatureRows FromArrow(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return new FeatureRows(null, batch, batch.Length);
    }

    /// <summary>Whether a column named <paramref name="name"/> exists.</summary>
    public bool HasColumn(string name) => _batch is not null ? _batch.Schema.GetFieldIndex(name) >= 0 : _columns!.ContainsKey(name);

    /// <summary>A reader of column <paramref name="name"/>'s cells as .NET values.</summary>
    public Func<int, object?> Column(string name)
    {
        if (_batch is not null)
        {
            var index = _batch.Schema.GetFieldIndex(name);
            if (index < 0) throw Missing(name);
            var array = _batch.Column(index);
            return i => ArrowValues.GetObject(array, i);
        }
        if (!_columns!.TryGetValue(name, out var values)) throw Missing(name);
        return i => values[i];
    }

    /// <summary>The underlying Arrow batch, when the rows were given as Arrow.</summary>
    public RecordBatch? Arrow => _batch;

    private FeastValidationException Missing(string name) =>
        new($"The rows have no column '{name}'. Their columns are: {string.Join(", ", ColumnNames)}.");
}
