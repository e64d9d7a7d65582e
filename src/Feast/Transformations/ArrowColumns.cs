using Apache.Arrow;
using Apache.Arrow.Types;

namespace Feast.Transformations;

/// <summary>
/// Arrow columns for on-demand outputs: the Arrow type of a Feast type (Float32 → float, Float64 → double, Int64,
/// Int32, String, Bool, Bytes → binary, UnixTimestamp → timestamp[us, UTC], lists → list) and the array of a column's
/// values, which are the .NET values <see cref="TransformValues.Normalize"/> produces.
/// </summary>
internal static class ArrowColumns
{
    private static readonly TimestampType Timestamp = new(TimeUnit.Microsecond, "UTC");

    /// <summary>The Arrow type of <paramref name="type"/>.</summary>
    /// <exception cref="FeastValidationException">The type has no Arrow column type here (maps, structs).</exception>
    public static IArrowType TypeOf(FeastType type) => type.ValueType switch
    {
        ValueType.Float => FloatType.Default,
        ValueType.Double => DoubleType.Default,
        ValueType.Int64 => Int64Type.Default,
        ValueType.Int32 => Int32Type.Default,
        ValueType.Bool => BooleanType.Default,
        ValueType.Bytes => BinaryType.Default,
        ValueType.UnixTimestamp => Timestamp,
        ValueType.String or ValueType.Json or ValueType.Uuid or ValueType.TimeUuid or ValueType.Decimal => StringType.Default,
        _ when type.ElementType is { } element && IsScalar(element.ValueType) => new ListType(new Apache.Arrow.Field("item", TypeOf(element), nullable: true)),
        _ => throw new FeastValidationException($"Features of type {type.Name} cannot be computed in historical retrieval yet; use a scalar type or a list of one."),
    };

    /// <summary>The array of <paramref name="values"/> (each null or the .NET value of <paramref name="type"/>).</summary>
    public static IArrowArray Build(FeastType type, IReadOnlyList<object?> values)
    {
        if (type.ElementType is { } element)
        {
            // Items through a builder of the item type: ListArray.Builder's own item builder ignores a timestamp's
            // unit and zone (it keeps milliseconds), so timestamp lists would lose their microseconds.
            var items = Create(element.ValueType);
            var offsets = new ArrowBuffer.Builder<int>().Append(0);
            var validity = new ArrowBuffer.BitmapBuilder();
            var (count, nulls) = (0, 0);
            foreach (var value in values)
            {
                validity.Append(value is not null);
                if (value is null)
                    nulls++;
                else
                    foreach (var item in (System.Collections.IEnumerable)value)
                    {
                        Append(items, element.ValueType, item);
                        count++;
                    }
                offsets.Append(count);
            }
            return new ListArray(TypeOf(type), values.Count, offsets.Build(), Finish(items), validity.Build(), nulls);
        }

        var builder = Create(type.ValueType);
        foreach (var value in values)
            Append(builder, type.ValueType, value);
        return Finish(builder);
    }

    private static bool IsScalar(ValueType type) => type is ValueType.Float or ValueType.Double or ValueType.Int64 or ValueType.Int32
        or ValueType.Bool or ValueType.Bytes or ValueType.UnixTimestamp or ValueType.String or ValueType.Json or ValueType.Uuid
        or ValueType.TimeUuid or ValueType.Decimal;

    private static IArrowArrayBuilder Create(ValueType type) => type switch
    {
        ValueType.Float => new FloatArray.Builder(),
        ValueType.Double => new DoubleArray.Builder(),
        ValueType.Int64 => new Int64Array.Builder(),
        ValueType.Int32 => new Int32Array.Builder(),
        ValueType.Bool => new BooleanArray.Builder(),
        ValueType.Bytes => new BinaryArray.Builder(),
        ValueType.UnixTimestamp => new TimestampArray.Builder(Timestamp),
        _ => new StringArray.Builder(),
    };

    private static IArrowArray Finish(IArrowArrayBuilder builder) => builder switch
    {
        FloatArray.Builder b => b.Build(),
        DoubleArray.Builder b => b.Build(),
        Int64Array.Builder b => b.Build(),
        Int32Array.Builder b => b.Build(),
        BooleanArray.Builder b => b.Build(),
        BinaryArray.Builder b => b.Build(),
        TimestampArray.Builder b => b.Build(),
        StringArray.Builder b => b.Build(),
        _ => throw new InvalidOperationException($"Unexpected Arrow builder {builder.GetType().Name}."),
    };

    private static void Append(IArrowArrayBuilder builder, ValueType type, object? value)
    {
        switch (builder)
        {
            case FloatArray.Builder b: if (value is null) b.AppendNull(); else b.Append((float)value); break;
            case DoubleArray.Builder b: if (value is null) b.AppendNull(); else b.Append((double)value); break;
            case Int64Array.Builder b: if (value is null) b.AppendNull(); else b.Append((long)value); break;
            case Int32Array.Builder b: if (value is null) b.AppendNull(); else b.Append((int)value); break;
            case BooleanArray.Builder b: if (value is null) b.AppendNull(); else b.Append((bool)value); break;
            case BinaryArray.Builder b: if (value is null) b.AppendNull(); else b.Append(((byte[])value).AsSpan()); break;
            case TimestampArray.Builder b: if (value is null) b.AppendNull(); else b.Append((DateTimeOffset)value); break;
            case StringArray.Builder b: if (value is null) b.AppendNull(); else b.Append((string)value); break;
            default: throw new InvalidOperationException($"Unexpected Arrow builder {builder.GetType().Name} for {type}.");
        }
    }
}
