
namespace Feast.Redis.Resp;

/// <summary>
/// Commands in the Redis protocol (RESP2 multi-bulk requests), appended to one growing buffer that is written to the
/// socket in one go: <c>*N\r\n</c> then per argument <c>$len\r\n bytes \r\n</c>.
/// </summary>
internal sealed class RespCommandBuffer
{
    private byte[] _buffer;
    private int _length;

    public RespCommandBuffer(int capacity = 64 * 1024) => _buffer = new byte[Math.Max(capacity, 256)];

    /// <summary>The commands written so far.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    /// <summary>The size of the buffer (it grows as commands are written).</summary>
    public int Capacity => _buffer.Length;

    /// <summary>The number of commands written so far.</summary>
    public int Commands { get; private set; }

    public void Clear()
    {
        _length = 0;
        Commands = 0;
    }

    /// <summary>Starts a command of <paramref name="arguments"/> arguments (the command name included).</summary>
    public void Command(int arguments)
    {
        Header((byte)'*', arguments);
        Commands++;
    }

    /// <summary>An argument.</summary>
    public void Argument(ReadOnlySpan<byte> bytes)
    {
        Header((byte)'$', bytes.Length);
        Ensure(bytes.Length + 2);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
        Crlf();
    }

    /// <summary>An argument made of two parts (a Redis key: entity key then project).</summary>
    public void Argument(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        Header((byte)'$', first.Length + second.Length);
        Ensure(first.Length + second.Length + 2);
        first.CopyTo(_buffer.AsSpan(_length));
        _length += first.Length;
        second.CopyTo(_buffer.AsSpan(_length));
        _length += second.Length;
        Crlf();
    }

    /// <summary>A decimal number argument (SELECT's database, EXPIRE's seconds).</summary>
    public void Argument(long number)
    {
        Span<byte> digits = stackalloc byte[20];
        number.TryFormat(digits, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
        Argument(digits[..length]);
    }

    /// <summary>A serialized <c>google.protobuf.Timestamp</c> argument.</summary>
    public void TimestampArgument(DateTimeOffset timestamp)
    {
        var size = RedisLayout.TimestampSize(timestamp);
        RedisLayout.WriteTimestamp(timestamp, Reserve(size));
        Crlf();
    }

    /// <summary>
    /// A value argument: its online-store bytes (<see cref="FeatureValue.WriteTo(Span{byte})"/>, which encodes the common
    /// scalar types directly). Feast's null is an empty string.
    /// </summary>
    public void ValueArgument(FeatureValue value)
    {
        value.WriteTo(Reserve(value.GetSerializedSize()));
        Crlf();
    }

    /// <summary>Writes an argument header for <paramref name="size"/> bytes and returns the space for them.</summary>
    private Span<byte> Reserve(int size)
    {
        Header((byte)'$', size);
        Ensure(size + 2);
        var span = _buffer.AsSpan(_length, size);
        _length += size;
        return span;
    }

    private void Header(byte marker, int number)
    {
        Ensure(16);
        var span = _buffer.AsSpan(_length);
        span[0] = marker;
        // Small numbers are by far the most common (argument lengths): one or two digits without a formatter.
        int at;
        if (number < 10)
        {
            span[1] = (byte)('0' + number);
            at = 2;
        }
        else if (number < 100)
        {
            span[1] = (byte)('0' + number / 10);
            span[2] = (byte)('0' + number % 10);
            at = 3;
        }
        else
        {
            number.TryFormat(span[1..], out var written, default, System.Globalization.CultureInfo.InvariantCulture);
            at = 1 + written;
        }
        span[at] = (byte)'\r';
        span[at + 1] = (byte)'\n';
        _length += at + 2;
    }

    private void Crlf()
    {
        _buffer[_length] = (byte)'\r';
        _buffer[_length + 1] = (byte)'\n';
        _length += 2;
    }

    private void Ensure(int more)
    {
        if (_buffer.Length - _length >= more) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
    }
}
