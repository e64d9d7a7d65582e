using System.Buffers;
using Feast.Protos.Serving;
using Feast.Values;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace Feast.Online;

/// <summary>
/// One column of an online response: per entity row, the value, its status and its event timestamp
/// (Feast's <c>GetOnlineFeaturesResponse.FeatureVector</c>).
/// </summary>
/// <param name="Name">The output name: the join key, the feature, or <c>view__feature</c> with full feature names.</param>
/// <param name="Values">Per row, the value (<see cref="FeatureValue.Null"/> when there is none).</param>
/// <param name="Statuses">Per row, PRESENT, NOT_FOUND, NULL_VALUE or OUTSIDE_MAX_AGE.</param>
/// <param name="EventTimestamps">Per row, the stored event timestamp (the Unix epoch for join keys, request data and missing rows).</param>
/// <param name="IsJoinKey">Whether the column echoes a join key from the request.</param>
public sealed record FeatureColumn(string Name, FeatureValue[] Values, FeatureStatus[] Statuses, DateTimeOffset[] EventTimestamps, bool IsJoinKey = false);

/// <summary>
/// The answer to an online read, column-major as Feast returns it: <see cref="FeatureNames"/>[i] names
/// <see cref="Columns"/>[i], and each column holds one value per entity row. Join-key columns come first, then
/// the features in request order, then on-demand outputs.
/// </summary>
public sealed class OnlineFeaturesResponse
{
    /// <summary>Creates a response from its columns (each with <paramref name="rowCount"/> entries).</summary>
    public OnlineFeaturesResponse(IReadOnlyList<FeatureColumn> columns, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
        RowCount = rowCount;
        FeatureNames = [.. columns.Select(c => c.Name)];
    }

    /// <summary>The output names, one per column.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The columns, in output order.</summary>
    public IReadOnlyList<FeatureColumn> Columns { get; }

    /// <summary>The number of entity rows.</summary>
    public int RowCount { get; }

    /// <summary>The number of feature columns (all but the join keys echoed from the request).</summary>
    public int FeatureCount => Columns.Count(c => !c.IsJoinKey);

    /// <summary>How many feature views (on-demand ones included) the answer was read from; 0 when not known.</summary>
    public int FeatureViewCount { get; init; }

    /// <summary>The column named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No column has that name; the message lists the names.</exception>
    public FeatureColumn this[string name] =>
        Columns.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"The response has no column '{name}'. Its columns are: {string.Join(", ", FeatureNames)}.");

    /// <summary>Column name → the .NET values of every row (as Feast's <c>to_dict()</c>): long, double, float, string, bool, arrays; null when missing.</summary>
    public Dictionary<string, object?[]> ToDictionary()
    {
        var result = new Dictionary<string, object?[]>(Columns.Count, StringComparer.Ordinal);
        foreach (var column in Columns)
            result[column.Name] = [.. column.Values.Select(v => v.ToObject())];
        return result;
    }

    /// <summary>Row <paramref name="row"/> as column name → .NET value.</summary>
    public IReadOnlyDictionary<string, object?> Row(int row)
    {
        if ((uint)row >= (uint)RowCount) throw new ArgumentOutOfRangeException(nameof(row), row, $"The response has {RowCount} rows.");
        var result = new Dictionary<string, object?>(Columns.Count, StringComparer.Ordinal);
        foreach (var column in Columns)
            result[column.Name] = column.Values[row].ToObject();
        return result;
    }

    /// <summary>Every row as column name → .NET value.</summary>
    public IEnumerable<IReadOnlyDictionary<string, object?>> Rows()
    {
        for (var row = 0; row < RowCount; row++) yield return Row(row);
    }

    /// <summary>
    /// A model input: the numeric features (all non-join-key columns, or <paramref name="columns"/> in the order given)
    /// of every row, row-major, as float32. Missing values become <paramref name="missing"/> (NaN by default).
    /// </summary>
    /// <exception cref="FeastValidationException">A column holds values that are not numbers.</exception>
    public float[] ToFloatArray(IReadOnlyList<string>? columns = null, float missing = float.NaN)
    {
        var selected = columns is null ? Columns.Where(c => !c.IsJoinKey).ToList() : [.. columns.Select(n => this[n])];
        var result = new float[RowCount * selected.Count];
        for (var row = 0; row < RowCount; row++)
        {
            for (var i = 0; i < selected.Count; i++)
            {
                var value = selected[i].Values[row].Proto;
                result[row * selected.Count + i] = value.ValCase switch
                {
                    Protos.Types.Value.ValOneofCase.FloatVal => value.FloatVal,
                    Protos.Types.Value.ValOneofCase.DoubleVal => (float)value.DoubleVal,
                    Protos.Types.Value.ValOneofCase.Int64Val => value.Int64Val,
                    Protos.Types.Value.ValOneofCase.Int32Val => value.Int32Val,
                    Protos.Types.Value.ValOneofCase.BoolVal => value.BoolVal ? 1f : 0f,
                    Protos.Types.Value.ValOneofCase.None or Protos.Types.Value.ValOneofCase.NullVal => missing,
                    _ => throw new FeastValidationException($"Column '{selected[i].Name}' holds {value.ValCase} values, which are not numbers; leave it out of the model input."),
                };
            }
        }
        return result;
    }

    /// <summary>
    /// The number of bytes <see cref="WriteTo"/> writes: the response as Feast's <c>feast.serving.GetOnlineFeaturesResponse</c>
    /// protobuf message.
    /// </summary>
    /// <remarks>Measured once and kept, so a server that announces the size and then writes measures once.</remarks>
    public int GetSerializedSize() => Measured().Size;

    private Measure Measured()
    {
        if (_measured is { } measured) return measured;
        var size = OnlineResponseWire.Size(this, out var vectorSizes);
        return _measured = new Measure(size, vectorSizes);
    }

    private Measure? _measured;

    private sealed record Measure(int Size, int[] VectorSizes);

    /// <summary>
    /// Writes the response as Feast's <c>feast.serving.GetOnlineFeaturesResponse</c> protobuf message (what Feast's gRPC
    /// feature server sends), byte for byte as protobuf writes it.
    /// </summary>
    public void WriteTo(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var (size, vectorSizes) = Measured();
        OnlineResponseWire.Write(this, vectorSizes, destination.GetSpan(size)[..size]);
        destination.Advance(size);
    }

    /// <summary>The response as Feast's protobuf message, built the slow way (the reference the tests hold <see cref="WriteTo"/> to).</summary>
    internal GetOnlineFeaturesResponse ToProto()
    {
        var proto = new GetOnlineFeaturesResponse { Metadata = new GetOnlineFeaturesResponseMetadata { FeatureNames = new FeatureList() } };
        proto.Metadata.FeatureNames.Val.AddRange(FeatureNames);
        foreach (var column in Columns)
        {
            var vector = new GetOnlineFeaturesResponse.Types.FeatureVector();
            foreach (var value in column.Values) vector.Values.Add(value.Proto);
            foreach (var status in column.Statuses) vector.Statuses.Add((FieldStatus)status);
            foreach (var timestamp in column.EventTimestamps)
                vector.EventTimestamps.Add(Timestamp.FromDateTimeOffset(timestamp));
            proto.Results.Add(vector);
        }
        return proto;
    }
}
