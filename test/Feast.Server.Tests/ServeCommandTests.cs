using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Feast.Cli;
using Feast.Protos.Serving;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests;

/// <summary><c>feast serve</c> run in process, as a user runs it: it prints where it listens, serves, and stops on Ctrl+C.</summary>
public sealed partial class ServeCommandTests
{
    private static readonly Method<GetOnlineFeaturesRequest, GetOnlineFeaturesResponse> ReadMethod = new(
        MethodType.Unary, "feast.serving.ServingService", "GetOnlineFeatures",
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesRequest.Parser.ParseFrom),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesResponse.Parser.ParseFrom));

    [Fact]
    public async Task Serve_PrintsItsUrls_ServesHttpAndGrpc_StopsCleanlyOnCtrlC()
    {
        var repo = TestFiles.PythonWrittenRepo();
        try
        {
            await using var server = await CliServer.StartAsync("-c", repo, "serve", "-h", "127.0.0.1", "-t", "http", "--port", "0", "--grpc-port", "0", "--no-access-log");
            var fixture = JsonNode.Parse(await File.ReadAllTextAsync(TestFiles.FeastOnlineFixture))!;
            using var http = new HttpClient { BaseAddress = server.HttpUrl };

            var response = await http.PostAsync("/get-online-features", new StringContent(fixture["request"]!.ToJsonString()));
            using var channel = GrpcChannel.ForAddress(server.GrpcUrl!);
            var request = new GetOnlineFeaturesRequest { Features = new FeatureList() };
            request.Features.Val.Add("driver_hourly_stats:avg_daily_trips");
            request.Entities["driver_id"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 1002 } } };
            var proto = await channel.CreateCallInvoker().AsyncUnaryCall(ReadMethod, null, new CallOptions(), request);

            Assert.Equal(fixture["response"]!.ToJsonString(), await response.Content.ReadAsStringAsync());
            Assert.Equal(22, proto.Results[1].Values[0].Int64Val);
            Assert.Contains("Serving project my_project", server.Output, StringComparison.Ordinal);

            var exitCode = await server.StopAsync();

            Assert.Equal(0, exitCode);
            Assert.EndsWith("Stopped." + Environment.NewLine, server.Output, StringComparison.Ordinal);
        }
        finally
        {
            TestFiles.DeleteDirectory(repo);
        }
    }

    [Fact]
    public async Task Serve_OtlpEndpoint_ExportsTheRequestSpansToTheCollector()
    {
        // A stand-in OTLP/HTTP collector on loopback: it keeps the bodies posted to /v1/traces.
        var traces = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        await using var collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (string signal, Microsoft.AspNetCore.Http.HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (signal == "traces") traces.Enqueue(body.ToArray());
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        await collector.StartAsync();
        var collectorUrl = collector.Urls.Single();

        var repo = TestFiles.PythonWrittenRepo();
        try
        {
            await using (var server = await CliServer.StartAsync("-c", repo, "serve", "--port", "0", "--no-grpc", "--no-access-log", "--otlp-endpoint", collectorUrl))
            {
                Assert.Contains("OTLP  traces and metrics to " + collectorUrl, server.Output, StringComparison.Ordinal);
                using var http = new HttpClient { BaseAddress = server.HttpUrl };
                var fixture = JsonNode.Parse(await File.ReadAllTextAsync(TestFiles.FeastOnlineFixture))!;
                Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/get-online-features", new StringContent(fixture["request"]!.ToJsonString()))).StatusCode);
                // Stopping flushes the batch of spans.
                Assert.Equal(0, await server.StopAsync());
            }

            var exported = traces.SelectMany(b => b).ToArray();
            // OTLP protobuf carries span names as UTF-8: ASP.NET Core's request span, the server's and the store's.
            Assert.Contains("feast /get-online-features", Encoding.UTF8.GetString(exported), StringComparison.Ordinal);
            Assert.Contains("feast online_store.read", Encoding.UTF8.GetString(exported), StringComparison.Ordinal);
        }
        finally
        {
            TestFiles.DeleteDirectory(repo);
        }
    }

    [Fact]
    public async Task Serve_OtlpEndpointNotAUrl_IsAUsageError()
    {
        var (code, _, error) = await RunToEndAsync("serve", "--otlp-endpoint", "localhost:4318");

        Assert.NotEqual(0, code);
        Assert.Contains("--otlp-endpoint 'localhost:4318' is not an http:// or https:// URL", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithKeyAndCert_ServesHttpsAndGrpcOverTls()
    {
        var repo = TestFiles.PythonWrittenRepo();
        try
        {
            var (certPath, keyPath) = WriteSelfSignedCertificate(repo);
            await using var server = await CliServer.StartAsync("-c", repo, "serve", "--port", "0", "--grpc-port", "0", "--key", keyPath, "--cert", certPath);
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            using var http = new HttpClient(handler) { BaseAddress = server.HttpUrl };

            var health = await http.GetAsync("/health");
            using var channel = GrpcChannel.ForAddress(server.GrpcUrl!, new GrpcChannelOptions { HttpHandler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true } });
            var grpcHealth = await new global::Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());

            Assert.Equal("https", server.HttpUrl.Scheme);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, grpcHealth.Status);
            Assert.Equal(0, await server.StopAsync());
        }
        finally
        {
            TestFiles.DeleteDirectory(repo);
        }
    }

    [Fact]
    public async Task Serve_KeyWithoutCert_IsAUsageError()
    {
        var (code, _, error) = await RunToEndAsync("serve", "--key", "key.pem");

        Assert.Equal(2, code);
        Assert.Contains("--key and --cert", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PortInUse_SaysSoAndExits1()
    {
        var repo = TestFiles.PythonWrittenRepo();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

            var (code, _, error) = await RunToEndAsync("-c", repo, "serve", "--port", port, "--no-grpc");

            Assert.Equal(1, code);
            Assert.Contains(port, error, StringComparison.Ordinal);
        }
        finally
        {
            taken.Stop();
            TestFiles.DeleteDirectory(repo);
        }
    }

    [Fact]
    public async Task Serve_NoRepo_SaysWhatIsMissing()
    {
        var dir = TestFiles.NewDirectory();
        try
        {
            var (code, _, error) = await RunToEndAsync("-c", dir, "serve", "--port", "0", "--no-grpc");

            Assert.Equal(1, code);
            Assert.Contains("feature_store.yaml", error, StringComparison.Ordinal);
        }
        finally
        {
            TestFiles.DeleteDirectory(dir);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunToEndAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await FeastCli.RunAsync(args, output, error, timeout.Token);
        return (code, output.ToString(), error.ToString());
    }

    private static (string Cert, string Key) WriteSelfSignedCertificate(string dir)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var certificate = request.CreateSelfSigned(now, now.AddYears(50));
        var certPath = Path.Combine(dir, "cert.pem");
        var keyPath = Path.Combine(dir, "key.pem");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    [GeneratedRegex(@"^\s+(HTTP|gRPC)\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex UrlLine();

    /// <summary><c>feast serve</c> running in the background of a test, with what it printed.</summary>
    private sealed class CliServer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _ctrlC = new();
        private readonly LockedWriter _output = new();
        private readonly LockedWriter _error = new();
        private Task<int> _run = null!;

        public Uri HttpUrl { get; private set; } = null!;

        public Uri? GrpcUrl { get; private set; }

        public string Output => _output.Text;

        public static async Task<CliServer> StartAsync(params string[] args)
        {
            var server = new CliServer();
            server._run = Task.Run(() => FeastCli.RunAsync(args, server._output, server._error, server._ctrlC.Token));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                var written = server._output.NextWrite; // taken before the check, so a write in between is not missed
                if (server.Output.Contains("Press Ctrl+C", StringComparison.Ordinal)) break;
                if (server._run.IsCompleted)
                    throw new InvalidOperationException($"feast serve exited with {await server._run}: {server._error.Text}{server.Output}");
                var left = deadline - DateTime.UtcNow;
                try
                {
                    await Task.WhenAny(written, server._run).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                }
                catch (TimeoutException)
                {
                    throw new TimeoutException("feast serve did not start: " + server.Output + server._error.Text);
                }
            }
            foreach (Match match in UrlLine().Matches(server.Output))
            {
                if (match.Groups[1].Value == "HTTP") server.HttpUrl = new Uri(match.Groups[2].Value);
                else server.GrpcUrl = new Uri(match.Groups[2].Value);
            }
            return server;
        }

        /// <summary>What Ctrl+C does: cancels the command's token. Returns the exit code.</summary>
        public async Task<int> StopAsync()
        {
            await _ctrlC.CancelAsync();
            return await _run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            if (!_run.IsCompleted) await StopAsync();
            _ctrlC.Dispose();
        }
    }

    /// <summary>A text writer whose text can be read while another thread writes.</summary>
    private sealed class LockedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();
        private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Encoding Encoding => Encoding.UTF8;

        /// <summary>Completes at the next write.</summary>
        public Task NextWrite
        {
            get
            {
                lock (_lock) return _written.Task;
            }
        }

        public string Text
        {
            get
            {
                lock (_lock) return _text.ToString();
            }
        }

        public override void Write(char value)
        {
            lock (_lock) _text.Append(value);
            Signal();
        }

        public override void Write(string? value)
        {
            lock (_lock) _text.Append(value);
            Signal();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_lock) _text.Append(buffer, index, count);
            Signal();
        }

        private void Signal()
        {
            TaskCompletionSource written;
            lock (_lock)
            {
                written = _written;
                _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            written.TrySetResult();
        }
    }
}
