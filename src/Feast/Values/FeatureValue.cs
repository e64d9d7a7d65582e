using System.Collections.ObjectModel;
using System.Globalization;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;

namespace Feast;

/// <summary>
/// One feature or entity value as Feast stores and serves it (a <c>feast.types.Value</c>): its <see cref="Type"/>,
/// typed accessors, conversion from and to .NET values, value equality, and its online-store bytes
/// (<see cref="Parse"/>, <see cref="WriteTo(Span{byte})"/>). <c>default(FeatureValue)</c> is Feast's null.
/// </summary>
/// <remarks>
/// A small immutable wrapper: copying it copies one reference, and reading it from store bytes or writing it into a
/// serving response costs nothing beyond the protobuf parse or write itself.
/// </remarks>
public readonly partial struct FeatureValue : IEquatable<FeatureValue>
{
    private readonly Value? _proto;

    /// <summary>Wraps a protobuf value; the caller must not change it afterwards.</summary>
    internal FeatureValue(Value? proto) => _proto = proto;

    /// <summary>The protobuf message (Feast's null, never mutated, for <c>default</c>).</summary>
    internal Value Proto => _proto ?? FeastValues.Null;

    /// <summary>Whether this wraps a message (false only for <c>default</c>).</summary>
    internal bool HasProto => _proto is not null;

    /// <summary>Feast's null value (what Feast writes for a missing feature: zero bytes).</summary>
    public static FeatureValue Null => default;

    /// <summary>Whether the value is null: unset, or Feast's <c>null_val</c>.</summary>
    public bool IsNull => FeastValues.IsNull(_proto);

    /// <summary>
    /// The Feast type of the value (<see cref="ValueType.Null"/> for null). Sets report their set type
    /// (e.g. <see cref="ValueType.Int64Set"/>).
    /// </summary>
    public ValueType Type => IsNull ? ValueType.Null : (ValueType)(int)_proto!.ValCase;

    /// <summary>A 32-bit integer.</summary>
    public static FeatureValue FromInt32(int value) => new(new Value { Int32Val = value });

    /// <summary>A 64-bit integer.</summary>
    public static FeatureValue FromInt64(long value) => new(new Value { Int64Val = value });

    /// <summary>A 32-bit float.</summary>
    public static FeatureValue FromFloat(float value) => new(new Value { FloatVal = value });

    /// <summary>A 64-bit float.</summary>
    public static FeatureValue FromDouble(double value) => new(new Value { DoubleVal = value });

    /// <summary>A boolean.</summary>
    public static FeatureValue FromBool(bool value) => new(new Value { BoolVal = value });

    /// <summary>A string.</summary>
    public static FeatureValue FromString(string value) => new(new Value { StringVal = value ?? throw new ArgumentNullException(nameof(value)) });

    /// <summary>Bytes (copied).</summary>
    public static FeatureValue FromBytes(ReadOnlySpan<byte> value) => new(new Value { BytesVal = ByteString.CopyFrom(value) });

    /// <summary>A unix timestamp of whole epoch seconds.</summary>
    public static FeatureValue FromUnixTimestamp(long epochSeconds) => new(new Value { UnixTimestampVal = epochSeconds });

    /// <summary>A unix timestamp (Feast keeps whole seconds; the fraction is dropped).</summary>
    public static FeatureValue FromUnixTimestamp(DateTimeOffset value) => FromUnixTimestamp(value.ToUnixTimeSeconds());

    /// <summary>A list of 32-bit integers.</summary>
    public static FeatureValue FromInt32List(IEnumerable<int> values) => List(values, ValueType.Int32List);

    /// <summary>A list of 64-bit integers.</summary>
    public static FeatureValue FromInt64List(IEnumerable<long> values) => List(values, ValueType.Int64List);

    /// <summary>A list of 32-bit floats.</summary>
    public static FeatureValue FromFloatList(IEnumerable<float> values) => List(values, ValueType.FloatList);

    /// <summary>A list of 64-bit floats.</summary>
    public static FeatureValue FromDoubleList(IEnumerable<double> values) => List(values, ValueType.DoubleList);

    /// <summary>A list of booleans.</summary>
    public static FeatureValue FromBoolList(IEnumerable<bool> values) => List(values, ValueType.BoolList);

    /// <summary>A list of strings.</summary>
    public static FeatureValue FromStringList(IEnumerable<string> values) => List(values, ValueType.StringList);

    /// <summary>A list of byte arrays (copied).</summary>
    public static FeatureValue FromBytesList(IEnumerable<byte[]> values) => List(values, ValueType.BytesList);

    /// <summary>A list of unix timestamps in epoch seconds.</summary>
    public static FeatureValue FromUnixTimestampList(IEnumerable<long> values) => List(values, ValueType.UnixTimestampList);

    private static FeatureValue List<T>(IEnumerable<T> values, ValueType type)
    {
        ArgumentNullException.ThrowIfNull(values);
        return FromObject(values as Array ?? values.ToArray(), type, "value");
    }

    /// <summary>
    /// Converts a .NET value to a value of <paramref name="type"/> (what a write or a request does with each cell):
    /// numbers widen or narrow when the value fits, strings parse into numbers, timestamps become epoch seconds,
    /// enumerables become lists; null (and NaN for numbers) becomes <see cref="Null"/>. <see cref="ValueType.Unknown"/>
    /// infers the type as a Python client would (long, double, string, bool, lists).
    /// </summary>
    /// <param name="value">The .NET value (also a <see cref="System.Text.Json.JsonElement"/> or a <see cref="FeatureValue"/>).</param>
    /// <param name="type">The declared type.</param>
    /// <param name="column">The column name, for error messages.</param>
    /// <exception cref="FeastValidationException">The value cannot be converted; the message names the column, the value and the type.</exception>
    public static FeatureValue FromObject(object? value, ValueType type, string column = "value") =>
        value is FeatureValue feature ? feature : new(FeastValues.FromObject(value, type, column));

    /// <summary>
    /// The .NET value: long, int, double, float, bool, string, byte[], <see cref="DateTimeOffset"/> for unix timestamps,
    /// arrays for lists and sets, dictionaries for maps; null for null.
    /// </summary>
    public object? ToObject() => FeastValues.ToObject(_proto);

    /// <summary>
    /// The text Feast's SQLite and PostgreSQL stores keep beside the bytes (<c>value_text</c>): strings as they are,
    /// numbers as Python's <c>str()</c> prints them, <c>True</c>/<c>False</c> for booleans, null for every other type.
    /// </summary>
    public string? ToValueText() => FeastValues.ToValueText(Proto);

    /// <summary>The 32-bit integer.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public int AsInt32() => Check(Value.ValOneofCase.Int32Val).Int32Val;

    /// <summary>The 64-bit integer.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public long AsInt64() => Check(Value.ValOneofCase.Int64Val).Int64Val;

    /// <summary>The 32-bit float.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public float AsFloat() => Check(Value.ValOneofCase.FloatVal).FloatVal;

    /// <summary>The 64-bit float.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public double AsDouble() => Check(Value.ValOneofCase.DoubleVal).DoubleVal;

    /// <summary>The boolean.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public bool AsBool() => Check(Value.ValOneofCase.BoolVal).BoolVal;

    /// <summary>The string (also of JSON, UUID and decimal values, which Feast keeps as text).</summary>
    /// <exception cref="InvalidOperationException">The value is not text.</exception>
    public string AsString() => Proto.ValCase switch
    {
        Value.ValOneofCase.StringVal => Proto.StringVal,
        Value.ValOneofCase.JsonVal => Proto.JsonVal,
        Value.ValOneofCase.UuidVal => Proto.UuidVal,
        Value.ValOneofCase.TimeUuidVal => Proto.TimeUuidVal,
        Value.ValOneofCase.DecimalVal => Proto.DecimalVal,
        _ => throw Wrong("text"),
    };

    /// <summary>The bytes, without copying.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public ReadOnlyMemory<byte> AsBytes() => Check(Value.ValOneofCase.BytesVal).BytesVal.Memory;

    /// <summary>The unix timestamp in epoch seconds.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public long AsUnixTimestampSeconds() => Check(Value.ValOneofCase.UnixTimestampVal).UnixTimestampVal;

    /// <summary>The unix timestamp as a UTC time.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public DateTimeOffset AsUnixTimestamp() => FeastValues.FromEpochSeconds(AsUnixTimestampSeconds());

    /// <summary>The items of an int32 list or set.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public IReadOnlyList<int> AsInt32List() => ReadOnly(Proto.ValCase switch
    {
        Value.ValOneofCase.Int32ListVal => Proto.Int32ListVal.Val,
        Value.ValOneofCase.Int32SetVal => Proto.Int32SetVal.Val,
        _ => throw Wrong("an int32 list"),
    });

    /// <summary>The items of an int64 list or set (also of unix timestamp lists and sets, in epoch seconds).</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public IReadOnlyList<long> AsInt64List() => ReadOnly(Proto.ValCase switch
    {
        Value.ValOneofCase.Int64ListVal => Proto.Int64ListVal.Val,
        Value.ValOneofCase.Int64SetVal => Proto.Int64SetVal.Val,
        Value.ValOneofCase.UnixTimestampListVal => Proto.UnixTimestampListVal.Val,
        Value.ValOneofCase.UnixTimestampSetVal => Proto.UnixTimestampSetVal.Val,
        _ => throw Wrong("an int64 list"),
    });

    /// <summary>The items of a float list or set.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public IReadOnlyList<float> AsFloatList() => ReadOnly(Proto.ValCase switch
    {
        Value.ValOneofCase.FloatListVal => Proto.FloatListVal.Val,
        Value.ValOneofCase.FloatSetVal => Proto.FloatSetVal.Val,
        _ => throw Wrong("a float list"),
    });

    /// <summary>The items of a double list or set.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public IReadOnlyList<double> AsDoubleList() => ReadOnly(Proto.ValCase switch
    {
        Value.ValOneofCase.DoubleListVal => Proto.DoubleListVal.Val,
        Value.ValOneofCase.DoubleSetVal => Proto.DoubleSetVal.Val,
        _ => throw Wrong("a double list"),
    });

    /// <summary>The items of a bool list or set.</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public IReadOnlyList<bool> AsBoolList() => ReadOnly(Proto.ValCase switch
    {
        Value.ValOneofCase.BoolListVal => Proto.BoolListVal.Val,
        Value.ValOneofCase.BoolSetVal => Proto.BoolSetVal.Val,
        _ => throw Wrong("a bool list"),
    });

    /// <summary>The items of a string list or set (also of JSON, UUID and decimal lists and sets).</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public IReadOnlyList<string> AsStringList() => ReadOnly(Proto.ValCase switch
    {
        Value.ValOneofCase.StringListVal => Proto.StringListVal.Val,
        Value.ValOneofCase.StringSetVal => Proto.StringSetVal.Val,
        Value.ValOneofCase.JsonListVal => Proto.JsonListVal.Val,
        Value.ValOneofCase.UuidListVal => Proto.UuidListVal.Val,
        Value.ValOneofCase.UuidSetVal => Proto.UuidSetVal.Val,
        Value.ValOneofCase.TimeUuidListVal => Proto.TimeUuidListVal.Val,
        Value.ValOneofCase.TimeUuidSetVal => Proto.TimeUuidSetVal.Val,
        Value.ValOneofCase.DecimalListVal => Proto.DecimalListVal.Val,
        Value.ValOneofCase.DecimalSetVal => Proto.DecimalSetVal.Val,
        _ => throw Wrong("a string list"),
    });

    /// <summary>The items of a bytes list or set (copied).</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public IReadOnlyList<byte[]> AsBytesList() => (Proto.ValCase switch
    {
        Value.ValOneofCase.BytesListVal => Proto.BytesListVal.Val,
        Value.ValOneofCase.BytesSetVal => Proto.BytesSetVal.Val,
        _ => throw Wrong("a bytes list"),
    }).Select(b => b.ToByteArray()).ToArray();

    private static ReadOnlyCollection<T> ReadOnly<T>(IList<T> items) => new(items);

    private Value Check(Value.ValOneofCase expected) =>
        Proto.ValCase == expected ? Proto : throw Wrong(((ValueType)(int)expected).ToString());

    private InvalidOperationException Wrong(string expected) =>
        new($"The value is {(IsNull ? "null" : Type.ToString())}, not {expected}.");

    /// <summary>Whether both are the same Feast value (same type and contents; every null equals every null).</summary>
    public bool Equals(FeatureValue other) =>
        IsNull ? other.IsNull : !other.IsNull && (ReferenceEquals(_proto, other._proto) || _proto!.Equals(other._proto));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FeatureValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => IsNull ? 0 : _proto!.GetHashCode();

    /// <summary>Whether both are the same Feast value.</summary>
    public static bool operator ==(FeatureValue left, FeatureValue right) => left.Equals(right);

    /// <summary>Whether the values differ.</summary>
    public static bool operator !=(FeatureValue left, FeatureValue right) => !left.Equals(right);

    /// <summary>The type and the .NET value, for logs and test messages (e.g. <c>Int64 1001</c>).</summary>
    public override string ToString() => IsNull ? "Null" : string.Create(CultureInfo.InvariantCulture, $"{Type} {Describe(ToObject())}");

    private static string Describe(object? value) => value switch
    {
        string s => $"\"{s}\"",
        byte[] bytes => Convert.ToHexString(bytes),
        System.Collections.IEnumerable items => $"[{string.Join(", ", items.Cast<object?>().Select(Describe))}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };
}
