using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Feast.Server.Tests.Security;

/// <summary>
/// A request without a valid token is refused from its headers: the server answers while the client is still sending a
/// body of tens of megabytes (here, a body the client never finishes), so an unauthenticated flood costs no memory.
/// </summary>
public sealed class UnreadBodyTests : IAsyncLifetime
{
    private const int Declared = 31 * 1024 * 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private SecureServer _server = null!;

    public async Task InitializeAsync() => _server = await SecureServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/get-online-features", null)]
    [InlineData("/push", null)]
    [InlineData("/write-to-online-store", "Bearer not.a.token")]
    [InlineData("/materialize", "Bearer eyJhbGciOiJub25lIn0.e30.")]
    public async Task Http_NoValidToken_AnswersBeforeTheBodyIsSent(string path, string? authorization)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _server.Host.HttpAddress.Port);
        var stream = client.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {Declared}\r\n"
            + (authorization is null ? "" : $"Authorization: {authorization}\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var sent = Encoding.ASCII.GetBytes("{\"entities\": {\"driver_id\": [" + string.Join(", ", Enumerable.Repeat("1001", 10_000)));
        await stream.WriteAsync(sent);

        // The body is 31 MB long and this client sends 50 KB of it: any answer proves the server did not wait for it.
        using var timeout = new CancellationTokenSource(Patience);
        var answer = await ReadHeadAsync(stream, timeout.Token);

        Assert.StartsWith("HTTP/1.1 401", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("WWW-Authenticate: Bearer", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Grpc_NoToken_UnauthenticatedBeforeTheMessageIsSent()
    {
        using var handler = new SocketsHttpHandler();
        using var http = new HttpClient(handler);
        // A 14 MB message is announced; 16 KB of it is sent, and the rest never is.
        var content = new UnfinishedContent(prefix: Calls.Frame(new byte[14 * 1024 * 1024])[..5], sent: new byte[16 * 1024]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Host.GrpcAddress, "/feast.serving.ServingService/GetOnlineFeatures"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var timeout = new CancellationTokenSource(Patience);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        content.Release();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("16", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("Authorization", Uri.UnescapeDataString(response.Headers.GetValues("grpc-message").Single()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_NoToken_Is401_NotAValidationError()
    {
        // Before, the body was parsed first: an empty object was a 422 naming the missing field.
        var response = await Calls.PostAsync(_server.Host, "/push", "{}", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return text.ToString();
    }

    /// <summary>A request body that sends a gRPC frame header and part of the message, then waits until released.</summary>
    private sealed class UnfinishedContent(byte[] prefix, byte[] sent) : HttpContent
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(prefix, cancellationToken);
            await stream.WriteAsync(sent, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await _release.Task.WaitAsync(cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
