using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Feast.Redis.Resp;

/// <summary>What a direct connection needs from <c>connection_string</c>.</summary>
internal sealed record RespSettings(
    bool Ssl,
    string? SslHost,
    bool TrustAnyCertificate,
    string? User,
    string? Password,
    int Database,
    TimeSpan ConnectTimeout,
    TimeSpan ReplyTimeout,
    string? ClientName);

/// <summary>
/// One TCP (or TLS) connection to one Redis node, speaking RESP2 for bulk writes: blocks of commands are written as
/// they come and their replies read in order by one reader loop, so a writer can keep several blocks in flight.
/// </summary>
/// <remarks>
/// A connection serves one writer at a time (see <see cref="RespConnectionPool"/>): <see cref="Send"/> is not safe to
/// call from two threads at once. Any socket error, protocol error or reply timeout fails every block in flight and
/// the connection for good.
/// </remarks>
internal sealed class RespConnection : IAsyncDisposable
{
    private const int InitialReadBuffer = 64 * 1024;

    private readonly Stream _stream;
    private readonly Socket _socket;
    private readonly TimeSpan _replyTimeout;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _reader;
    private Task _lastWrite = Task.CompletedTask;
    private byte[] _buffer = new byte[InitialReadBuffer];
    private int _start;
    private int _end;
    private Pending? _current;
    private Exception? _failure;

    private RespConnection(Socket socket, Stream stream, string endpoint, TimeSpan replyTimeout)
    {
        _socket = socket;
        _stream = stream;
        Endpoint = endpoint;
        _replyTimeout = replyTimeout;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>The node, as <c>host:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Whether the connection can still be used: no failure, and the server has not closed it.</summary>
    public bool IsUsable
    {
        get
        {
            if (Volatile.Read(ref _failure) is not null) return false;
            try
            {
                // Readable with nothing to read means the peer closed the connection (e.g. the server restarted).
                return !(_socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0 && _current is null);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <summary>Connects, sets up TLS when asked, authenticates and selects the database.</summary>
    /// <exception cref="RespConnectionException">The node cannot be reached, or refused the handshake.</exception>
    public static async Task<RespConnection> ConnectAsync(EndPoint endPoint, RespSettings settings, CancellationToken cancellationToken)
    {
        var name = RedisConnectionSettings.Format(endPoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        RespConnection? connection = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (settings.Ssl)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                var host = settings.SslHost ?? endPoint switch
                {
                    DnsEndPoint dns => dns.Host,
                    IPEndPoint ip => ip.Address.ToString(),
                    _ => name,
                };
                var options = new SslClientAuthenticationOptions { TargetHost = host };
#pragma warning disable CA5359 // The user turned certificate checks off explicitly (ssl_cert_reqs=none).
                if (settings.TrustAnyCertificate) options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
                await ssl.AuthenticateAsClientAsync(options, timeout.Token).ConfigureAwait(false);
            }
            connection = new RespConnection(socket, stream, name, settings.ReplyTimeout);
            var handshake = new RespCommandBuffer(256);
            if (settings.Password is not null)
            {
                if (settings.User is not null)
                {
                    handshake.Command(3);
                    handshake.Argument("AUTH"u8);
                    handshake.Argument(Encoding.UTF8.GetBytes(settings.User));
                }
                else
                {
                    handshake.Command(2);
                    handshake.Argument("AUTH"u8);
                }
                handshake.Argument(Encoding.UTF8.GetBytes(settings.Password));
            }
            if (settings.Database > 0)
            {
                handshake.Command(2);
                handshake.Argument("SELECT"u8);
                handshake.Argument(settings.Database);
            }
            if (settings.ClientName is not null)
            {
                handshake.Command(3);
                handshake.Argument("CLIENT"u8);
                handshake.Argument("SETNAME"u8);
                handshake.Argument(Encoding.UTF8.GetBytes(settings.ClientName));
            }
            if (handshake.Commands > 0)
            {
                var replies = await connection.Send(handshake.Written, handshake.Commands, false).WaitAsync(timeout.Token).ConfigureAwait(false);
                if (replies.Errors.Count > 0)
                    throw new RespConnectionException($"{name} refused the connection: {replies.Errors[0].Message}", name);
            }
            return connection;
        }
        catch (Exception e)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            else if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            else socket.Dispose();
            if (e is RespConnectionException) throw;
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) throw;
            var reason = e is OperationCanceledException ? $"no connection within {settings.ConnectTimeout.TotalSeconds:0.#} s" : e.Message;
            throw new RespConnectionException($"Could not connect to {name}: {reason}", name, e);
        }
    }

    /// <summary>
    /// Writes <paramref name="commands"/> (holding <paramref name="count"/> commands) after every block sent before it,
    /// and returns their replies once all have arrived. <paramref name="commands"/> must stay unchanged until then.
    /// </summary>
    public Task<RespReplies> Send(ReadOnlyMemory<byte> commands, int count, bool keepBulks)
    {
        if (Volatile.Read(ref _failure) is { } failure) return Task.FromException<RespReplies>(Broken(failure));
        var pending = new Pending(new RespReplies(count, keepBulks));
        if (count == 0)
        {
            pending.Completion.SetResult(pending.Replies);
            return pending.Completion.Task;
        }
        if (!_pending.Writer.TryWrite(pending)) return Task.FromException<RespReplies>(Broken(_failure));
        _lastWrite = WriteAfterAsync(_lastWrite, commands);
        return pending.Completion.Task;
    }

    private async Task WriteAfterAsync(Task previous, ReadOnlyMemory<byte> commands)
    {
        try
        {
            await previous.ConfigureAwait(false);
            if (Volatile.Read(ref _failure) is not null) return;
            await _stream.WriteAsync(commands, _closed.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_pending.Reader.TryRead(out var pending))
                {
                    Volatile.Write(ref _current, pending);
                    var replies = pending.Replies;
                    for (var i = 0; i < replies.Count;)
                    {
                        if (TryParseReply(replies, i)) i++;
                        else await FillAsync().ConfigureAwait(false);
                    }
                    Volatile.Write(ref _current, null);
                    pending.Completion.TrySetResult(replies);
                }
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>Reads more bytes from the socket into the buffer, within the reply timeout.</summary>
    private async Task FillAsync()
    {
        if (_start > 0 && _start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
        timeout.CancelAfter(_replyTimeout);
        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_closed.IsCancellationRequested)
        {
            throw new TimeoutException($"{Endpoint} sent no reply within {_replyTimeout.TotalSeconds:0.#} s (online_store.connection_string socket_timeout).");
        }
        if (read == 0) throw new IOException($"{Endpoint} closed the connection.");
        _end += read;
    }

    /// <summary>Parses one reply into <paramref name="replies"/> at <paramref name="index"/> if the buffer holds all of it.</summary>
    private bool TryParseReply(RespReplies replies, int index)
    {
        var data = _buffer.AsSpan(_start, _end - _start);
        if (data.Length < 3) return false;
        var line = data.IndexOf((byte)'\n');
        if (line < 0) return false;
        if (line < 2 || data[line - 1] != '\r') throw Protocol("a reply line does not end in CRLF");
        var text = data[1..(line - 1)];
        switch (data[0])
        {
            case (byte)'+':
            case (byte)':':
                _start += line + 1;
                return true;
            case (byte)'-':
                replies.SetError(index, Encoding.UTF8.GetString(text));
                _start += line + 1;
                return true;
            case (byte)'$':
            {
                var length = ParseNumber(text);
                if (length < 0)
                {
                    _start += line + 1;
                    return true;
                }
                if (data.Length < line + 1 + length + 2) return false;
                if (replies.KeepsBulks) replies.SetBulk(index, data.Slice(line + 1, (int)length).ToArray());
                _start += line + 1 + (int)length + 2;
                return true;
            }
            case (byte)'*':
            {
                // Not sent by the commands used here; skipped whole so the stream stays in step.
                var at = 0;
                if (!TrySkip(data, ref at)) return false;
                _start += at;
                return true;
            }
            default:
                throw Protocol($"unexpected reply type '{(char)data[0]}'");
        }
    }

    private bool TrySkip(ReadOnlySpan<byte> data, ref int at)
    {
        var rest = data[at..];
        var line = rest.IndexOf((byte)'\n');
        if (line < 2) return false;
        var number = rest[0] is (byte)'$' or (byte)'*' ? ParseNumber(rest[1..(line - 1)]) : 0;
        var next = at + line + 1;
        switch (rest[0])
        {
            case (byte)'$':
                if (number >= 0) next += (int)number + 2;
                if (next > data.Length) return false;
                break;
            case (byte)'*':
                for (long i = 0; i < number; i++)
                {
                    if (!TrySkip(data, ref next)) return false;
                }
                break;
        }
        at = next;
        return true;
    }

    private long ParseNumber(ReadOnlySpan<byte> text)
    {
        if (text.Length == 2 && text[0] == '-' && text[1] == '1') return -1;
        long number = 0;
        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'9' || number > int.MaxValue) throw Protocol("a reply length is not a number");
            number = number * 10 + (b - '0');
        }
        return number;
    }

    private IOException Protocol(string what) => new($"{Endpoint} sent a malformed reply ({what}).");

    private void Fail(Exception e)
    {
        if (Interlocked.CompareExchange(ref _failure, e, null) is not null) return;
        _pending.Writer.TryComplete();
        _closed.Cancel();
        _stream.Dispose();
        var broken = Broken(e);
        Volatile.Read(ref _current)?.Completion.TrySetException(broken);
        while (_pending.Reader.TryRead(out var pending)) pending.Completion.TrySetException(broken);
    }

    private RespConnectionException Broken(Exception? cause) => cause switch
    {
        RespConnectionException known => new RespConnectionException(known.Message, Endpoint, known),
        null => new RespConnectionException($"The connection to {Endpoint} is closed.", Endpoint),
        ObjectDisposedException => new RespConnectionException($"The connection to {Endpoint} is closed.", Endpoint, cause),
        _ => new RespConnectionException($"The connection to {Endpoint} failed: {cause.Message}", Endpoint, cause),
    };

    public async ValueTask DisposeAsync()
    {
        Fail(new ObjectDisposedException(nameof(RespConnection)));
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
        _closed.Dispose();
    }

    private sealed class Pending(RespReplies replies)
    {
        public RespReplies Replies { get; } = replies;

        public TaskCompletionSource<RespReplies> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A direct connection to a Redis node failed (could not connect, was refused, broke, or timed out).</summary>
internal sealed class RespConnectionException : IOException
{
    public RespConnectionException(string message, string endpoint, Exception? inner = null)
        : base(message, inner) => Endpoint = endpoint;

    public string Endpoint { get; }
}
