using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Feast.Benchmarks.Harness;
using Feast.Protos.Serving;
using Feast.Protos.Types;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Feast.Benchmarks.ServerLoad;

/// <summary>
/// <c>flood</c>: what floods cost <c>feast serve</c> (the built CLI, its own process, <c>auth: oidc</c> against a
/// loopback provider in this process) in resident memory. Unauthenticated: 4 parallel 31 MB JSON bodies, then 4
/// parallel 14 MB gRPC messages, without a token. Authenticated: 120 requests, 4 at a time, each with its own ~1.3 MB
/// feature list. RSS (and its peak) is read from /proc before and after each flood, once the server is idle again.
/// </summary>
internal static class FloodRunner
{
    private const string CliDll = "src/Feast.Cli/bin/Release/net10.0/linux-x64/Feast.Cli.dll";
    private const int HttpBodyBytes = 31 * 1024 * 1024;
    private const int GrpcMessageBytes = 14 * 1024 * 1024;
    private const int AuthenticatedRequests = 120;
    private const int FeatureListBytes = 1_300_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var noBuild = args.Contains("--no-build");
        var root = BenchOptions.RepoRoot();
        var output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? Path.Combine(root, "bench", "results", "flood.md");
        // Passed on to feast serve: with a cap above the flood's list length the authenticated flood is planned and
        // cached (what bounds the plan cache); with the default cap it is refused with 413.
        var maxFeatures = args.SkipWhile(a => a != "--max-features").Skip(1).FirstOrDefault();
        if (!noBuild)
        {
            Console.WriteLine("Building the CLI (dotnet build src/Feast.Cli -c Release) so feast serve is the current code...");
            using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "src/Feast.Cli", "-c", "Release", "-nologo", "-v", "quiet"]) { WorkingDirectory = root })!;
            await build.WaitForExitAsync();
            if (build.ExitCode != 0) throw new InvalidOperationException("Building src/Feast.Cli failed; see the output above.");
        }
        var cli = Path.Combine(root, CliDll);
        if (!File.Exists(cli)) throw new InvalidOperationException($"{CliDll} is missing: build it with `dotnet build src/Feast.Cli -c Release`.");

        var data = new ServerData(Path.Combine(root, "bench", ".data"), "sqlite");
        await data.PrepareAsync(Console.Out);
        await using var idp = await Provider.StartAsync();
        var repo = Path.Combine(data.Directory, "flood-repo");
        CopyRepo(data.Repo, repo, idp.DiscoveryUrl);

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(300) };
        var grpcPort = FreePort();
        var log = Path.Combine(data.Directory, "logs", "feast-serve-flood.log");
        await using var feast = await ServerProcess.StartAsync("feast serve", "dotnet",
            [cli, "serve", "--host", "127.0.0.1", "-p", "{port}", "--grpc-port", grpcPort.ToString(CultureInfo.InvariantCulture), "--no-access-log",
             .. (maxFeatures is null ? Array.Empty<string>() : ["--max-features", maxFeatures])],
            repo, log, serverGc: false, probe);
        Console.WriteLine($"feast serve on port {feast.Port}, gRPC {grpcPort} (pid {feast.ProcessId}), log {log}");
        var token = idp.Token();
        using (var warm = new HttpRequestMessage(HttpMethod.Post, feast.Url("/get-online-features")) { Content = Json(ReadBody(1)) })
        {
            warm.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            using var answer = await probe.SendAsync(warm);
            if (answer.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"The warm-up read answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }

        var rows = new List<string>();
        async Task<(long Rss, long Peak)> Measure()
        {
            await feast.SettleAsync(TimeSpan.FromSeconds(30));
            return feast.Memory();
        }
        var start = await Measure();
        rows.Add(Row("idle, after one authenticated read", start, start, "–"));

        var httpBody = Encoding.ASCII.GetBytes(ReadBody(HttpBodyBytes / 8));
        var http = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RawPostAsync(feast.Port, "/get-online-features", httpBody)));
        var afterHttp = await Measure();
        rows.Add(Row($"4 × {MiB(httpBody.Length)} JSON, no token", start, afterHttp, Summary(http)));

        var grpcBody = Frame(GrpcRequest(GrpcMessageBytes));
        using var h2 = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(300) };
        var grpc = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => GrpcPostAsync(h2, grpcPort, grpcBody)));
        var afterGrpc = await Measure();
        rows.Add(Row($"4 × {MiB(grpcBody.Length)} gRPC, no token", afterHttp, afterGrpc, Summary(grpc)));

        var statuses = new List<string>();
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(0, AuthenticatedRequests).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, feast.Url("/get-online-features")) { Content = Json(FeatureListBody(i)) };
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
                using var answer = await probe.SendAsync(request);
                lock (statuses) statuses.Add(((int)answer.StatusCode).ToString(CultureInfo.InvariantCulture));
            }
            finally
            {
                gate.Release();
            }
        }));
        var afterAuth = await Measure();
        rows.Add(Row($"{AuthenticatedRequests} × {MiB(Encoding.UTF8.GetByteCount(FeatureListBody(0)))} distinct feature lists, valid token", afterGrpc, afterAuth, Summary(statuses)));

        var md = new StringBuilder();
        md.AppendLine("# Feature server under request floods").AppendLine();
        md.AppendLine(Invariant($"Generated by `dotnet run -c Release --project bench/Feast.Benchmarks -- flood` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC ({Environment.ProcessorCount} cores). "))
            .AppendLine(maxFeatures is null ? "" : $"`feast serve --max-features {maxFeatures}`. ")
            .AppendLine("`feast serve` (the built CLI, its own process, workstation GC) serves the server benchmark's SQLite repo with `auth: oidc` against a loopback provider; "
                + "RSS and its peak (VmRSS, VmHWM from /proc) are read once the server is idle after each flood. Answers: the HTTP status or gRPC status each flood request got "
                + "(`closed` = the server closed the connection before answering, counted once the client saw it).").AppendLine();
        md.AppendLine("| flood | RSS before | RSS after | peak RSS after | answers |").AppendLine("|---|---:|---:|---:|---|");
        foreach (var row in rows) md.AppendLine(row);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, md.ToString());
        Console.WriteLine(md.ToString());
        Console.WriteLine($"Report: {output}");
        return 0;
    }

    private static string Row(string flood, (long Rss, long Peak) before, (long Rss, long Peak) after, string answers) =>
        $"| {flood} | {MiB(before.Rss)} | {MiB(after.Rss)} | {MiB(after.Peak)} | {answers} |";

    private static string Summary(IEnumerable<string> answers) =>
        string.Join(", ", answers.GroupBy(a => a).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Invariant($"{g.Count()} × {g.Key}")));

    private static string MiB(long bytes) => Invariant($"{bytes / 1048576.0:F1} MiB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A read of <c>fv_0:f_0</c> for <paramref name="entities"/> entity ids (8 bytes each in the JSON).</summary>
    private static string ReadBody(int entities)
    {
        var text = new StringBuilder(entities * 8 + 100);
        text.Append("{\"features\": [\"fv_0:f_0\"], \"entities\": {\"entity_id\": [");
        for (var i = 0; i < entities; i++) text.Append(i == 0 ? "" : ", ").Append(ServerData.FirstId + (i % ServerData.Entities));
        return text.Append("]}}").ToString();
    }

    /// <summary>One entity and a ~1.3 MB list of feature references, different for each <paramref name="seed"/>.</summary>
    private static string FeatureListBody(int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(FeatureListBytes + 100);
        text.Append("{\"entities\": {\"entity_id\": [100000]}, \"features\": [");
        var first = true;
        while (text.Length < FeatureListBytes)
        {
            var view = random.Next(ServerData.Views);
            text.Append(first ? "\"" : ", \"").Append(ServerData.ViewName(view)).Append(':')
                .Append(ServerData.FeatureName(view, random.Next(ServerData.FeaturesPerView))).Append('"');
            first = false;
        }
        return text.Append("]}").ToString();
    }

    private static byte[] GrpcRequest(int bytes)
    {
        var request = new GetOnlineFeaturesRequest { Features = new FeatureList { Val = { "fv_0:f_0" } } };
        var ids = new RepeatedValue();
        // Each Value{int64_val: 1xxxxx} is 6 bytes on the wire.
        for (var i = 0; i < bytes / 6; i++) ids.Val.Add(new Value { Int64Val = ServerData.FirstId + (i % ServerData.Entities) });
        request.Entities["entity_id"] = ids;
        return request.ToByteArray();
    }

    private static byte[] Frame(byte[] message)
    {
        var framed = new byte[message.Length + 5];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    /// <summary>POSTs <paramref name="body"/> over a raw socket, reading the answer while sending; the status, or <c>closed</c>.</summary>
    private static async Task<string> RawPostAsync(int port, string path, byte[] body)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var head = Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
        var reading = ReadStatusAsync(stream);
        try
        {
            await stream.WriteAsync(head);
            for (var offset = 0; offset < body.Length && !reading.IsCompleted; offset += 65536)
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(65536, body.Length - offset)));
        }
        catch (IOException)
        {
            // The server answered and closed the connection while the body was still being sent.
        }
        return await reading.WaitAsync(TimeSpan.FromSeconds(300));
    }

    private static async Task<string> ReadStatusAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0) return "closed";
            var line = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
            return line.Split(' ') is { Length: >= 2 } parts ? parts[1] : line;
        }
        catch (IOException)
        {
            return "closed";
        }
    }

    private static async Task<string> GrpcPostAsync(HttpClient client, int port, byte[] framed)
    {
        var content = new ByteArrayContent(framed);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{port}/feast.serving.ServingService/GetOnlineFeatures"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.Headers.TryGetValues("grpc-status", out var status)) return "grpc-status " + status.First();
            await response.Content.ReadAsByteArrayAsync();
            return response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? "grpc-status " + trailer.First() : "no grpc-status";
        }
        catch (HttpRequestException e)
        {
            return "reset (" + e.HttpRequestError + ")";
        }
    }

    private static void CopyRepo(string from, string to, string discoveryUrl)
    {
        if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.AppendAllText(Path.Combine(to, "feature_store.yaml"), $"auth:\n  type: oidc\n  auth_discovery_url: {discoveryUrl}\n  client_id: bench\n");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A loopback OIDC provider: a discovery document and one RSA key; mints the benchmark's token.</summary>
    private sealed class Provider(WebApplication app, RSA key) : IAsyncDisposable
    {
        public string DiscoveryUrl => app.Urls.Single() + "/.well-known/openid-configuration";

        public static async Task<Provider> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var key = RSA.Create(2048);
            var parameters = key.ExportParameters(false);
            app.MapGet("/.well-known/openid-configuration", (HttpContext c) =>
                Results.Json(new Dictionary<string, string> { ["jwks_uri"] = $"{c.Request.Scheme}://{c.Request.Host}/jwks" }));
            app.MapGet("/jwks", () => Results.Json(new Dictionary<string, object>
            {
                ["keys"] = new[] { new Dictionary<string, string> { ["kty"] = "RSA", ["kid"] = "k1", ["use"] = "sig", ["n"] = B64(parameters.Modulus!), ["e"] = B64(parameters.Exponent!) } },
            }));
            await app.StartAsync();
            return new Provider(app, key);
        }

        public string Token()
        {
            var exp = DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds();
            var signed = B64(Encoding.UTF8.GetBytes("""{"alg": "RS256", "typ": "JWT", "kid": "k1"}""")) + "."
                + B64(Encoding.UTF8.GetBytes(Invariant($$"""{"sub": "bench", "exp": {{exp}}}""")));
            return signed + "." + B64(key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }

        public async ValueTask DisposeAsync()
        {
            await app.DisposeAsync();
            key.Dispose();
        }

        private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
