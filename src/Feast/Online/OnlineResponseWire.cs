using System.Text;
using Feast.Values;

namespace Feast.Online;

/// <summary>
/// Writes an <see cref="OnlineFeaturesResponse"/> as Feast's <c>feast.serving.GetOnlineFeaturesResponse</c> protobuf
/// bytes directly, without building the message: metadata (1) holding feature_names (1, a FeatureList of strings), then
/// per column a FeatureVector in results (2) of values (1, Value messages), statuses (2, packed enum) and
/// event_timestamps (3, google.protobuf.Timestamp messages). Fields are written in number order and empty ones left
/// out, as protobuf's writer does, so the bytes equal <c>ToProto().ToByteArray()</c>.
/// </summary>
internal static class OnlineResponseWire
{
    private const byte MetadataTag = 0x0A;   // GetOnlineFeaturesResponse.metadata = 1
    private const byte ResultsTag = 0x12;    // GetOnlineFeaturesResponse.results = 2
    private const byte FeatureNamesTag = 0x0A; // GetOnlineFeaturesResponseMetadata.feature_names = 1
    private const byte StringTag = 0x0A;     // FeatureList.val = 1
    private const byte ValuesTag = 0x0A;     // FeatureVector.values = 1
    private const byte StatusesTag = 0x12;   // FeatureVector.statuses = 2 (packed)
    private const byte TimestampsTag = 0x1A; // FeatureVector.event_timestamps = 3
    private const byte SecondsTag = 0x08;    // Timestamp.seconds = 1
    private const byte NanosTag = 0x10;      // Timestamp.nanos = 2

    /// <summary>The message's size; <paramref name="vectorSizes"/> gets each column's FeatureVector size for <see cref="Write"/>.</summary>
    public static int Size(OnlineFeaturesResponse response, out int[] vectorSizes)
    {
        var size = Field(MetadataSize(response));
        vectorSizes = new int[response.Columns.Count];
        for (var c = 0; c < vectorSizes.Length; c++) size += Field(vectorSizes[c] = VectorSize(response.Columns[c]));
        return size;
    }

    /// <summary>Writes the message into <paramref name="destination"/>, exactly <see cref="Size"/> bytes long.</summary>
    public static void Write(OnlineFeaturesResponse response, int[] vectorSizes, Span<byte> destination)
    {
        var at = 0;
        destination[at++] = MetadataTag;
        at += FeastWire.WriteVarint((ulong)MetadataSize(response), destination[at..]);
        destination[at++] = FeatureNamesTag;
        at += FeastWire.WriteVarint((ulong)FeatureListSize(response), destination[at..]);
        foreach (var name in response.FeatureNames)
        {
            destination[at++] = StringTag;
            at += FeastWire.WriteVarint((ulong)Encoding.UTF8.GetByteCount(name), destination[at..]);
            at += Encoding.UTF8.GetBytes(name, destination[at..]);
        }
        for (var c = 0; c < vectorSizes.Length; c++)
        {
            var column = response.Columns[c];
            destination[at++] = ResultsTag;
            at += FeastWire.WriteVarint((ulong)vectorSizes[c], destination[at..]);
            foreach (var value in column.Values)
            {
                destination[at++] = ValuesTag;
                var length = value.GetSerializedSize();
                at += FeastWire.WriteVarint((ulong)length, destination[at..]);
                at += value.WriteTo(destination.Slice(at, length));
            }
            if (column.Statuses.Length > 0)
            {
                destination[at++] = StatusesTag;
                at += FeastWire.WriteVarint((ulong)StatusesSize(column.Statuses), destination[at..]);
                foreach (var status in column.Statuses) at += FeastWire.WriteVarint((ulong)(long)status, destination[at..]);
            }
            foreach (var timestamp in column.EventTimestamps)
            {
                destination[at++] = TimestampsTag;
                var (seconds, nanos) = Split(timestamp);
                at += FeastWire.WriteVarint((ulong)TimestampSize(seconds, nanos), destination[at..]);
                if (seconds != 0)
                {
                    destination[at++] = SecondsTag;
                    at += FeastWire.WriteVarint((ulong)seconds, destination[at..]);
                }
                if (nanos != 0)
                {
                    destination[at++] = NanosTag;
                    at += FeastWire.WriteVarint((ulong)(long)nanos, destination[at..]);
                }
            }
        }
        if (at != destination.Length) throw new InvalidOperationException($"The response took {at} bytes, not the {destination.Length} measured.");
    }

    private static int Field(int length) => 1 + FeastWire.VarintSize((ulong)length) + length;

    private static int MetadataSize(OnlineFeaturesResponse response) => Field(FeatureListSize(response));

    private static int FeatureListSize(OnlineFeaturesResponse response)
    {
        var size = 0;
        foreach (var name in response.FeatureNames) size += Field(Encoding.UTF8.GetByteCount(name));
        return size;
    }

    private static int VectorSize(FeatureColumn column)
    {
        var size = 0;
        foreach (var value in column.Values) size += Field(value.GetSerializedSize());
        if (column.Statuses.Length > 0) size += Field(StatusesSize(column.Statuses));
        foreach (var timestamp in column.EventTimestamps)
        {
            var (seconds, nanos) = Split(timestamp);
            size += Field(TimestampSize(seconds, nanos));
        }
        return size;
    }

    private static int StatusesSize(FeatureStatus[] statuses)
    {
        var size = 0;
        foreach (var status in statuses) size += FeastWire.VarintSize((ulong)(long)status);
        return size;
    }

    private static int TimestampSize(long seconds, int nanos) =>
        (seconds != 0 ? 1 + FeastWire.VarintSize((ulong)seconds) : 0) + (nanos != 0 ? 1 + FeastWire.VarintSize((ulong)(long)nanos) : 0);

    /// <summary>Seconds and non-negative nanoseconds since the Unix epoch, as <c>Timestamp.FromDateTimeOffset</c> splits them.</summary>
    private static (long Seconds, int Nanos) Split(DateTimeOffset timestamp)
    {
        var ticks = timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }
        return (seconds, (int)(rest * 100));
    }
}
