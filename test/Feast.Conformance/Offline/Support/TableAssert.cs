using Xunit.Sdk;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>Compares a store's result with the reference, value by value, and says where they first differ.</summary>
internal static class TableAssert
{
    /// <summary>The first difference between <paramref name="expected"/> and <paramref name="actual"/>, or null when they agree.</summary>
    public static string? FirstDifference(TestTable expected, ResultTable actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (!expected.ColumnNames.SequenceEqual(actual.Columns, StringComparer.Ordinal))
            return $"Columns differ.\n  expected: {string.Join(", ", expected.ColumnNames)}\n  actual:   {string.Join(", ", actual.Columns)}";
        if (expected.Count != actual.Count)
            return $"Row counts differ: expected {expected.Count}, actual {actual.Count}.";
        for (var r = 0; r < expected.Count; r++)
        {
            for (var c = 0; c < expected.Columns.Count; c++)
            {
                if (Values.Same(expected.Rows[r][c], actual.Rows[r][c])) continue;
                return $"Row {r}, column '{expected.Columns[c].Name}': expected {Values.Format(expected.Rows[r][c])}, actual {Values.Format(actual.Rows[r][c])}.\n"
                    + $"  expected row: {expected.Describe(r)}\n"
                    + $"  actual row:   {string.Join(", ", actual.Columns.Select((n, i) => $"{n}={Values.Format(actual.Rows[r][i])}"))}";
            }
        }
        return null;
    }

    public static void Equal(TestTable expected, ResultTable actual, string context = "")
    {
        var difference = FirstDifference(expected, actual);
        if (difference is not null)
            throw new XunitException((context.Length > 0 ? context + "\n" : "") + difference);
    }

    /// <summary>Asserts <paramref name="text"/> mentions at least one of <paramref name="names"/> (so a user can find what is wrong).</summary>
    public static void Mentions(string text, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (!names.Any(n => text.Contains(n, StringComparison.Ordinal)))
            throw new XunitException($"The message should name {string.Join(" or ", names.Select(n => $"'{n}'"))}, but is:\n  {text}");
    }
}
