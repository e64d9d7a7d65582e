using Apache.Arrow;
using Apache.Arrow.Types;

namespace Feast.Offline;

/// <summary>Turns records (column name → value) into an Arrow batch, inferring each column's type from its values.</summary>
internal static class EntityRows
{
    public static RecordBatch ToRecordBatch(IEnumerable<IReadOnlyDictionary<string, object?>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var columns = new List<string>();
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
            var (type, array) = Build(column, values);
            fields.Add(new Apache.Arrow.Field(column, type, nullable: true));
            arrays.Add(array);
        }
        return new RecordBatch(new Schema(fields, null), arrays, list.Count);
    }

    private static (IArrowType, IArrowArray) Build(string column, List<object?> values)
    {
        var sample = values.FirstOrDefault(v => v is not null);
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

    private static FeastValidationException Mixed(string column, object value) =>
        new($"Entity column '{column}' mixes types: value '{value}' ({value.GetType().Name}) does not match the column's other values.");
}
