using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Protos.Types;
using Google.Protobuf;

namespace Feast.Values;

/// <summary>Reads Arrow cells as Feast <see cref="Value"/>s and .NET values (materialization, pushes, on-demand transformations).</summary>
internal static class ArrowValues
{
    /// <summary>
    /// A reader of <paramref name="array"/>'s cells as <see cref="Value"/>s of <paramref name="type"/>: a typed fast
    /// path for the common column/type pairs, a conversion through <see cref="FeastValues.FromObject"/> otherwise.
    /// </summary>
    public static Func<int, Value> Reader(IArrowArray array, ValueType type, string column)
    {
        ArgumentNullException.ThrowIfNull(array);
        return (array, type) switch
        {
            (Int64Array a, ValueType.Int64) => i => a.IsNull(i) ? FeastValues.Null : new Value { Int64Val = a.GetValue(i)!.Value },
            (Int32Array a, ValueType.Int32) => i => a.IsNull(i) ? FeastValues.Null : new Value { Int32Val = a.GetValue(i)!.Value },
            (Int32Array a, ValueType.Int64) => i => a.IsNull(i) ? FeastValues.Null : new Value { Int64Val = a.GetValue(i)!.Value },
            (FloatArray a, ValueType.Float) => i => a.IsNull(i) || float.IsNaN(a.GetValue(i)!.Value) ? FeastValues.Null : new Value { FloatVal = a.GetValue(i)!.Value },
            (DoubleArray a, ValueType.Double) => i => a.IsNull(i) || double.IsNaN(a.GetValue(i)!.Value) ? FeastValues.Null : new Value { DoubleVal = a.GetValue(i)!.Value },
            (DoubleArray a, ValueType.Float) => i => a.IsNull(i) || double.IsNaN(a.GetValue(i)!.Value) ? FeastValues.Null : new Value { FloatVal = (float)a.GetValue(i)!.Value },
            (FloatArray a, ValueType.Double) => i => a.IsNull(i) || float.IsNaN(a.GetValue(i)!.Value) ? FeastValues.Null : new Value { DoubleVal = a.GetValue(i)!.Value },
            (StringArray a, ValueType.String) => i => a.IsNull(i) ? FeastValues.Null : new Value { StringVal = a.GetString(i) },
            (BooleanArray a, ValueType.Bool) => i => a.IsNull(i) ? FeastValues.Null : new Value { BoolVal = a.GetValue(i)!.Value },
            (BinaryArray a, ValueType.Bytes) => i => a.IsNull(i) ? FeastValues.Null : new Value { BytesVal = ByteString.CopyFrom(a.GetBytes(i)) },
            _ => i => FeastValues.FromObject(GetObject(array, i), type, column),
        };
    }

    /// <summary>A timestamp column's cells as UTC timestamps (null for nulls); also reads date and string columns.</summary>
    public static Func<int, DateTimeOffset?> TimestampReader(IArrowArray array, string column)
    {
        ArgumentNullException.ThrowIfNull(array);
        return array switch
        {
            TimestampArray a => i => a.IsNull(i) ? null : a.GetTimestamp(i),
            _ => i => GetObject(array, i) switch
            {
                null => null,
                var value => FeastTimestamp.Parse(value, column, i),
            },
        };
    }

    /// <summary>The .NET value of a cell: long, int, double, float, bool, string, byte[], <see cref="DateTimeOffset"/>, arrays for lists; null for nulls.</summary>
    public static object? GetObject(IArrowArray array, int index)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.IsNull(index)) return null;
        return array switch
        {
            Int64Array a => a.GetValue(index),
            Int32Array a => a.GetValue(index),
            Int16Array a => (int?)a.GetValue(index),
            Int8Array a => (int?)a.GetValue(index),
            UInt8Array a => (int?)a.GetValue(index),
            UInt16Array a => (int?)a.GetValue(index),
            UInt32Array a => (long?)a.GetValue(index),
            UInt64Array a => (long?)a.GetValue(index),
            DoubleArray a => a.GetValue(index),
            FloatArray a => a.GetValue(index),
            BooleanArray a => a.GetValue(index),
            StringArray a => a.GetString(index),
            LargeStringArray a => a.GetString(index),
            BinaryArray a => a.GetBytes(index).ToArray(),
            TimestampArray a => a.GetTimestamp(index),
            Date32Array a => a.GetDateTimeOffset(index),
            Date64Array a => a.GetDateTimeOffset(index),
            Decimal128Array a => a.GetValue(index),
            ListArray a => ListItems(a, index),
            _ => throw new FeastValidationException($"Arrow columns of type {array.Data.DataType.Name} cannot be read as Feast values."),
        };
    }

    private static System.Array ListItems(ListArray list, int index)
    {
        var slice = list.GetSlicedValues(index);
        var items = new object?[slice.Length];
        for (var i = 0; i < items.Length; i++) items[i] = GetObject(slice, i);
        var first = items.FirstOrDefault(x => x is not null);
        return first switch
        {
            long when items.All(x => x is long) => items.Cast<long>().ToArray(),
            int when items.All(x => x is int) => items.Cast<int>().ToArray(),
            double when items.All(x => x is double) => items.Cast<double>().ToArray(),
            float when items.All(x => x is float) => items.Cast<float>().ToArray(),
            bool when items.All(x => x is bool) => items.Cast<bool>().ToArray(),
            string => items.Select(x => (string?)x).ToArray(),
            _ => items,
        };
    }

    /// <summary>Whether <paramref name="type"/> is an Arrow timestamp or date type.</summary>
    public static bool IsTemporal(IArrowType type) => type is TimestampType or Date32Type or Date64Type;
}
