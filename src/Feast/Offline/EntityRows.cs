using Apache.Arrow;
using Apache.Arrow.Types;

namespace Feast.Offline;

/// <summary>Turns records (column name → value) into an Arrow batch, inferring each column's type from its values.</summary>
internal static class EntityRows
{
    /// <param name="rows">The rows.</param>
    /// <param name="declared">Columns known up front with their .NET types (e.g. a record's properties), so an empty
    /// or all-null column still gets its type; other columns are inferred from their values.</param>
    public static RecordBatch ToRecordBatch(IEnumerable<IReadOnlyDictionary<string, object?>> rows, IReadOnlyList<(string Name, Type Type)>? declared = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var columns = declared?.Select(d => d.Name).ToList() ?? [];
        foreach (var row in list)
        {
            foreach (var key in row.Keys)
            {
                if (!columns.Contains(key)) columns.Add(key);
            }
        }

        var fields = new List<Apache.Arrow.Field>(columns.Count);
        var arrays = new List<IArrowArray>(columns.Count);
        foreach (var column in columns)
        {
            var values = list.Select(r => r.TryGetValue(column, out var v) ? v : null).ToList();
            var hint = declared?.FirstOrDefault(d => d.Name == column).Type;
            var (type, array) = Build(column, values, hint);
            fields.Add(new Apache.Arrow.Field(column, type, nullable: true));
            arrays.Add(array);
        }
        return new RecordBatch(new Schema(fields, null), arrays, list.Count);
    }

    private static (IArrowType, IArrowArray) Build(string column, List<object?> values, Type? hint)
    {
        var sample = values.FirstOrDefault(v => v is not null) ?? Sample(hint);
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        switch (sample)
        {
            case null:
            case string:
                var strings = new StringArray.Builder();
                foreach (var v in values) strings.Append(v is null ? null : v as string ?? throw Mixed(column, v));
                return (StringType.Default, strings.Build());
            case bool:
                var bools = new BooleanArray.Builder();
                foreach (var v in values)
                {
                    if (v is null) bools.AppendNull();
                    else bools.Append(v as bool? ?? throw Mixed(column, v));
                }
                return (BooleanType.Default, bools.Build());
            case int or long or short or byte or uint:
                var longs = new Int64Array.Builder();
                foreach (var v in values)
                {
                    if (v is null) longs.AppendNull();
                    else longs.Append(v is int or long or short or byte or uint ? System.Convert.ToInt64(v, culture) : throw Mixed(column, v));
                }
                return (Int64Type.Default, longs.Build());
            case float or double or decimal:
                var doubles = new DoubleArray.Builder();
                foreach (var v in values)
                {
                    if (v is null) doubles.AppendNull();
                    else doubles.Append(v is float or double or decimal or int or long ? System.Convert.ToDouble(v, culture) : throw Mixed(column, v));
                }
                return (DoubleType.Default, doubles.Build());
            case DateTime or DateTimeOffset:
                var type = new TimestampType(TimeUnit.Microsecond, "UTC");
                var stamps = new TimestampArray.Builder(type);
                foreach (var v in values)
                {
                    switch (v)
                    {
                        case null: stamps.AppendNull(); break;
                        case DateTimeOffset d: stamps.Append(d); break;
                        // Naive timestamps mean UTC, as in Feast.
                        case DateTime d: stamps.Append(new DateTimeOffset(d.Kind == DateTimeKind.Local ? d : DateTime.SpecifyKind(d, DateTimeKind.Utc))); break;
                        default: throw Mixed(column, v);
                    }
                }
                return (type, stamps.Build());
            default:
                throw new FeastValidationException($"Entity column '{column}' holds a {sample.GetType().Name}; entity values must be numbers, strings, bools or timestamps.");
        }
    }

    // A stand-in value of the declared type, so a column with no values still gets the right Arrow type.
    private static object? Sample(Type? type) => (Nullable.GetUnderlyingType(type ?? typeof(string)) ?? type) switch
    {
        var t when t == typeof(bool) => false,
        var t when t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(uint) => 0L,
        var t when t == typeof(float) || t == typeof(double) || t == typeof(decimal) => 0d,
        var t when t == typeof(DateTime) || t == typeof(DateTimeOffset) => DateTimeOffset.UnixEpoch,
        _ => null,
    };

    private static FeastValidationException Mixed(string column, object value) =>
        new($"Entity column '{column}' mixes types: value '{value}' ({value.GetType().Name}) does not match the column's other values.");
}
