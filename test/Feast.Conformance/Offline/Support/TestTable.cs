namespace Feast.DuckDb.Tests.Conformance;

/// <summary>The column types the conformance data uses; each maps to one Parquet, Arrow and CLR type.</summary>
internal enum ColumnType
{
    /// <summary><see cref="int"/>; Parquet INT32, Arrow int32.</summary>
    Int32,

    /// <summary><see cref="long"/>; Parquet INT64, Arrow int64.</summary>
    Int64,

    /// <summary><see cref="float"/>; Parquet FLOAT, Arrow float32.</summary>
    Float32,

    /// <summary><see cref="double"/>; Parquet DOUBLE, Arrow float64.</summary>
    Float64,

    /// <summary><see cref="bool"/>.</summary>
    Bool,

    /// <summary><see cref="string"/>.</summary>
    String,

    /// <summary>
    /// An instant, held as <see cref="DateTimeOffset"/> (any offset) or <see cref="DateTime"/> (naive or UTC, both meaning
    /// UTC). Written as a microsecond timestamp.
    /// </summary>
    Timestamp,
}

/// <summary>A column of a <see cref="TestTable"/>.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The column type.</param>
/// <param name="Naive">For timestamps: write the Parquet column without the UTC flag (a "naive" timestamp, which Feast reads as UTC).</param>
internal sealed record TestColumn(string Name, ColumnType Type, bool Naive = false);

/// <summary>
/// A small in-memory table: the one representation of feature sources, entity rows and expected results in the
/// conformance suite. Writers turn it into Parquet, CSV or <see cref="Feast.Offline.EntityData"/>.
/// </summary>
internal sealed class TestTable
{
    private readonly List<object?[]> _rows = [];

    public TestTable(params TestColumn[] columns)
        : this((IEnumerable<TestColumn>)columns)
    {
    }

    public TestTable(IEnumerable<TestColumn> columns)
    {
        Columns = [.. columns];
        var duplicate = Columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Column '{duplicate.Key}' appears twice.", nameof(columns));
    }

    public IReadOnlyList<TestColumn> Columns { get; }

    public IReadOnlyList<object?[]> Rows => _rows;

    public int Count => _rows.Count;

    public IEnumerable<string> ColumnNames => Columns.Select(c => c.Name);

    /// <summary>Appends a row (values in column order) and returns the table, so rows can be chained.</summary>
    public TestTable Add(params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != Columns.Count)
            throw new ArgumentException($"A row needs {Columns.Count} values ({string.Join(", ", ColumnNames)}); got {values.Length}.", nameof(values));
        for (var i = 0; i < values.Length; i++) Values.CheckType(Columns[i], values[i]);
        _rows.Add(values);
        return this;
    }

    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == column) return i;
        }
        return -1;
    }

    public bool Has(string column) => IndexOf(column) >= 0;

    public object? Get(int row, string column)
    {
        var index = IndexOf(column);
        if (index < 0) throw new ArgumentException($"No column '{column}' (columns: {string.Join(", ", ColumnNames)}).", nameof(column));
        return _rows[row][index];
    }

    /// <summary>A copy with the same columns and only the rows <paramref name="keep"/> accepts.</summary>
    public TestTable Where(Func<object?[], bool> keep)
    {
        var copy = new TestTable(Columns);
        foreach (var row in _rows.Where(keep)) copy.Add(row);
        return copy;
    }

    /// <summary>A copy without <paramref name="column"/>.</summary>
    public TestTable Without(string column)
    {
        var index = IndexOf(column);
        var copy = new TestTable(Columns.Where((_, i) => i != index));
        foreach (var row in _rows) copy.Add([.. row.Where((_, i) => i != index)]);
        return copy;
    }

    /// <summary>A copy with <paramref name="column"/> renamed to <paramref name="newName"/>.</summary>
    public TestTable Rename(string column, string newName)
    {
        var copy = new TestTable(Columns.Select(c => c.Name == column ? c with { Name = newName } : c));
        foreach (var row in _rows) copy.Add(row);
        return copy;
    }

    /// <summary>Row <paramref name="row"/> as "name=value, ..." for failure messages.</summary>
    public string Describe(int row) =>
        string.Join(", ", Columns.Select((c, i) => $"{c.Name}={Values.Format(_rows[row][i])}"));
}
