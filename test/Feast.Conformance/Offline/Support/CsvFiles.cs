using System.Globalization;
using System.Text;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>Writes and reads <see cref="TestTable"/>s as CSV with a header row (invariant culture, RFC 4180 quoting).</summary>
internal static class CsvFiles
{
    /// <summary>Timestamps as naive UTC text, <c>2026-01-15 10:00:00.123456</c>.</summary>
    public static string NaiveUtc(object value, int row) =>
        Values.Instant(value).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>
    /// Timestamps in ISO 8601 with a rotating zone: naive (UTC), <c>Z</c>, <c>+01:00</c>, <c>-08:00</c> (US/Pacific in winter),
    /// the same instants written four ways.
    /// </summary>
    public static string RotatingOffsets(object value, int row)
    {
        var instant = Values.Instant(value);
        return (row % 4) switch
        {
            0 => instant.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            1 => instant.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            2 => instant.ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
            _ => instant.ToOffset(TimeSpan.FromHours(-8)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
        };
    }

    public static void Write(TestTable table, string path, Func<object, int, string>? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        timestamp ??= NaiveUtc;
        var text = new StringBuilder();
        text.AppendJoin(',', table.Columns.Select(c => Quote(c.Name))).Append('\n');
        for (var r = 0; r < table.Count; r++)
        {
            var row = table.Rows[r];
            text.AppendJoin(',', row.Select(v => v switch
            {
                null => "",
                DateTimeOffset or DateTime => timestamp(v, r),
                float f => f.ToString("R", CultureInfo.InvariantCulture),
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                string s => Quote(s),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => throw new NotSupportedException(v.GetType().Name),
            })).Append('\n');
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    /// <summary>
    /// Reads a CSV file, inferring each column's type the way CSV readers commonly do: all integers → Int64, all numbers →
    /// Float64, all true/false → Bool, all timestamps (naive = UTC, or with an offset) → Timestamp, else String. Empty
    /// fields are nulls.
    /// </summary>
    public static TestTable Read(string path)
    {
        var lines = Parse(File.ReadAllText(path));
        if (lines.Count == 0) throw new InvalidDataException($"'{path}' has no header row.");
        var header = lines[0];
        var rows = lines.Skip(1).Where(l => l.Count > 1 || l[0].Length > 0).ToList();
        var types = header.Select((_, c) => Infer(rows.Select(r => r[c]).Where(v => v.Length > 0).ToList())).ToList();
        var table = new TestTable(header.Select((name, c) => new TestColumn(name, types[c])));
        foreach (var row in rows)
        {
            if (row.Count != header.Count) throw new InvalidDataException($"'{path}': a row has {row.Count} fields; the header has {header.Count}.");
            table.Add([.. row.Select((v, c) => v.Length == 0 ? null : Convert(v, types[c]))]);
        }
        return table;
    }

    /// <summary>The header and the number of data rows of a CSV file (for checking files a store wrote).</summary>
    public static (IReadOnlyList<string> Columns, int Rows) ReadShape(string path)
    {
        var lines = Parse(File.ReadAllText(path));
        return (lines.Count == 0 ? [] : lines[0], lines.Skip(1).Count(l => l.Count > 1 || l[0].Length > 0));
    }

    public static bool TryParseTimestamp(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    private static ColumnType Infer(List<string> values)
    {
        if (values.Count == 0) return ColumnType.String;
        if (values.All(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))) return ColumnType.Int64;
        if (values.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))) return ColumnType.Float64;
        if (values.All(v => v is "true" or "false" or "True" or "False")) return ColumnType.Bool;
        if (values.All(v => v.Contains('-', StringComparison.Ordinal) && TryParseTimestamp(v, out _))) return ColumnType.Timestamp;
        return ColumnType.String;
    }

    private static object Convert(string text, ColumnType type) => type switch
    {
        ColumnType.Int64 => long.Parse(text, CultureInfo.InvariantCulture),
        ColumnType.Float64 => double.Parse(text, CultureInfo.InvariantCulture),
        ColumnType.Bool => bool.Parse(text),
        ColumnType.Timestamp => TryParseTimestamp(text, out var t) ? t : throw new FormatException(text),
        _ => text,
    };

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private static List<List<string>> Parse(string text)
    {
        var lines = new List<List<string>>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (ch == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                lines.Add(fields);
                fields = [];
            }
            else if (ch != '\r') field.Append(ch);
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            lines.Add(fields);
        }
        return lines;
    }
}
