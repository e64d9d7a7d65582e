using System.Collections.Frozen;

namespace Feast;

/// <summary>
/// The type of a <see cref="Field"/>, as in Feast's <c>feast.types</c>: <c>FeastType.Float32</c>,
/// <c>FeastType.Array(FeastType.Int64)</c>. Each maps to exactly one <see cref="Feast.ValueType"/>.
/// </summary>
public sealed class FeastType : IEquatable<FeastType>
{
    private FeastType(string name, ValueType valueType)
    {
        Name = name;
        ValueType = valueType;
    }

    /// <summary>Feast's name for the type (<c>Float32</c>, <c>Array(Int64)</c>, ...).</summary>
    public string Name { get; }

    /// <summary>The value type stored in the registry for this type.</summary>
    public ValueType ValueType { get; }

    public static readonly FeastType Invalid = new("Invalid", ValueType.Unknown);
    public static readonly FeastType Bytes = new("Bytes", ValueType.Bytes);
    public static readonly FeastType String = new("String", ValueType.String);
    public static readonly FeastType Int32 = new("Int32", ValueType.Int32);
    public static readonly FeastType Int64 = new("Int64", ValueType.Int64);
    public static readonly FeastType Float64 = new("Float64", ValueType.Double);
    public static readonly FeastType Float32 = new("Float32", ValueType.Float);
    public static readonly FeastType Bool = new("Bool", ValueType.Bool);
    public static readonly FeastType UnixTimestamp = new("UnixTimestamp", ValueType.UnixTimestamp);
    public static readonly FeastType Map = new("Map", ValueType.Map);
    public static readonly FeastType Json = new("Json", ValueType.Json);
    public static readonly FeastType Struct = new("Struct", ValueType.Struct);
    public static readonly FeastType Uuid = new("Uuid", ValueType.Uuid);
    public static readonly FeastType TimeUuid = new("TimeUuid", ValueType.TimeUuid);
    public static readonly FeastType Decimal = new("Decimal", ValueType.Decimal);

    private static readonly FeastType[] Primitives =
        [Invalid, Bytes, String, Int32, Int64, Float64, Float32, Bool, UnixTimestamp, Map, Json, Struct, Uuid, TimeUuid, Decimal];

    // Element value type → list and set value types; the one table every conversion reads.
    private static readonly FrozenDictionary<ValueType, (ValueType List, ValueType Set)> Collections =
        new Dictionary<ValueType, (ValueType, ValueType)>
        {
            [ValueType.Bytes] = (ValueType.BytesList, ValueType.BytesSet),
            [ValueType.String] = (ValueType.StringList, ValueType.StringSet),
            [ValueType.Int32] = (ValueType.Int32List, ValueType.Int32Set),
            [ValueType.Int64] = (ValueType.Int64List, ValueType.Int64Set),
            [ValueType.Double] = (ValueType.DoubleList, ValueType.DoubleSet),
            [ValueType.Float] = (ValueType.FloatList, ValueType.FloatSet),
            [ValueType.Bool] = (ValueType.BoolList, ValueType.BoolSet),
            [ValueType.UnixTimestamp] = (ValueType.UnixTimestampList, ValueType.UnixTimestampSet),
            [ValueType.Map] = (ValueType.MapList, ValueType.Unknown),
            [ValueType.Json] = (ValueType.JsonList, ValueType.Unknown),
            [ValueType.Struct] = (ValueType.StructList, ValueType.Unknown),
            [ValueType.Uuid] = (ValueType.UuidList, ValueType.UuidSet),
            [ValueType.TimeUuid] = (ValueType.TimeUuidList, ValueType.TimeUuidSet),
            [ValueType.Decimal] = (ValueType.DecimalList, ValueType.DecimalSet),
        }.ToFrozenDictionary();

    private static readonly FrozenDictionary<ValueType, FeastType> ByValueType = BuildByValueType();

    /// <summary>A list of <paramref name="elementType"/> (Feast's <c>Array(...)</c>).</summary>
    public static FeastType Array(FeastType elementType)
    {
        ArgumentNullException.ThrowIfNull(elementType);
        if (!Collections.TryGetValue(elementType.ValueType, out var kinds) || kinds.List == ValueType.Unknown)
            throw new FeastValidationException($"FeastType.Array({elementType.Name}) is not a Feast type: arrays hold Bytes, String, Int32, Int64, Float32, Float64, Bool, UnixTimestamp, Map, Json, Struct, Uuid, TimeUuid or Decimal.");
        return ByValueType[kinds.List];
    }

    /// <summary>A set of <paramref name="elementType"/> (Feast's <c>Set(...)</c>).</summary>
    public static FeastType Set(FeastType elementType)
    {
        ArgumentNullException.ThrowIfNull(elementType);
        if (!Collections.TryGetValue(elementType.ValueType, out var kinds) || kinds.Set == ValueType.Unknown)
            throw new FeastValidationException($"FeastType.Set({elementType.Name}) is not a Feast type: sets hold Bytes, String, Int32, Int64, Float32, Float64, Bool, UnixTimestamp, Uuid, TimeUuid or Decimal.");
        return ByValueType[kinds.Set];
    }

    /// <summary>The Feast type stored as <paramref name="valueType"/> in the registry.</summary>
    public static FeastType FromValueType(ValueType valueType) =>
        ByValueType.TryGetValue(valueType, out var type) ? type : new FeastType(valueType.ToString(), valueType);

    /// <summary>For a list or set type, its element type; otherwise null.</summary>
    public FeastType? ElementType
    {
        get
        {
            foreach (var (element, kinds) in Collections)
            {
                if (kinds.List == ValueType || kinds.Set == ValueType)
                    return ByValueType[element];
            }
            return null;
        }
    }

    private static FrozenDictionary<ValueType, FeastType> BuildByValueType()
    {
        var map = Primitives.ToDictionary(t => t.ValueType);
        foreach (var (element, kinds) in Collections)
        {
            var elementName = map[element].Name;
            if (kinds.List != ValueType.Unknown) map[kinds.List] = new FeastType($"Array({elementName})", kinds.List);
            if (kinds.Set != ValueType.Unknown) map[kinds.Set] = new FeastType($"Set({elementName})", kinds.Set);
        }
        return map.ToFrozenDictionary();
    }

    /// <inheritdoc/>
    public bool Equals(FeastType? other) => other is not null && other.ValueType == ValueType;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as FeastType);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)ValueType;

    /// <inheritdoc/>
    public override string ToString() => Name;

    public static bool operator ==(FeastType? left, FeastType? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(FeastType? left, FeastType? right) => !(left == right);
}
