using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests;

/// <summary>
/// A feature server for a test: in process (ASP.NET Core's TestServer), or on real Kestrel sockets on free loopback
/// ports (HTTP/1.1 for the JSON endpoints, HTTP/2 without TLS for gRPC), with an HTTP client and a gRPC channel.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private TestHost(WebApplication app, HttpClient http, GrpcChannel grpc, Uri httpAddress, Uri grpcAddress)
    {
        App = app;
        Http = http;
        Grpc = grpc;
        HttpAddress = httpAddress;
        GrpcAddress = grpcAddress;
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public GrpcChannel Grpc { get; }

    public Uri HttpAddress { get; }

    public Uri GrpcAddress { get; }

    public static Task<TestHost> StartAsync(FeatureStore store, bool kestrel = false, Action<FeastServerOptions>? configure = null, ILoggerProvider? logs = null,
        Action<IServiceCollection>? services = null) =>
        StartAsync(o =>
        {
            o.Store = store;
            configure?.Invoke(o);
        }, kestrel, logs, services);

    public static async Task<TestHost> StartAsync(Action<FeastServerOptions> configure, bool kestrel = false, ILoggerProvider? logs = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }
        services?.Invoke(builder.Services);
        builder.Services.AddFeast(configure);
        ListenOptions? httpListen = null, grpcListen = null;
        if (kestrel)
        {
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, 0, l =>
                {
                    l.Protocols = HttpProtocols.Http1;
                    httpListen = l;
                });
                k.Listen(IPAddress.Loopback, 0, l =>
                {
                    l.Protocols = HttpProtocols.Http2;
                    grpcListen = l;
                });
            });
        }
        else
        {
            builder.WebHost.UseTestServer();
        }
        var app = builder.Build();
        app.MapFeast();
        await app.StartAsync();

        if (!kestrel)
        {
            var server = app.GetTestServer();
            var address = server.BaseAddress;
            return new TestHost(app, server.CreateClient(), GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = server.CreateHandler() }), address, address);
        }
        var httpAddress = new Uri($"http://127.0.0.1:{httpListen!.IPEndPoint!.Port}");
        var grpcAddress = new Uri($"http://127.0.0.1:{grpcListen!.IPEndPoint!.Port}");
        return new TestHost(app, new HttpClient { BaseAddress = httpAddress }, GrpcChannel.ForAddress(grpcAddress), httpAddress, grpcAddress);
    }

    /// <summary>POSTs <paramref name="json"/> (with <paramref name="contentType"/>, JSON by default) to <paramref name="path"/>.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string json, string contentType = "application/json") =>
        Http.PostAsync(path, new StringContent(json, Encoding.UTF8, contentType));

    public async ValueTask DisposeAsync()
    {
        Grpc.Dispose();
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Reads Feast's answers.</summary>
internal static class Answers
{
    /// <summary>The error detail inside Feast's error body: a JSON string whose text is a JSON object.</summary>
    public static async Task<(string Module, string Class, string Message)> ErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        using var outer = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.String, outer.RootElement.ValueKind);
        using var inner = JsonDocument.Parse(outer.RootElement.GetString()!);
        var root = inner.RootElement;
        return (root.GetProperty("module").GetString()!, root.GetProperty("class").GetString()!, root.GetProperty("message").GetString()!);
    }

    /// <summary>Column name → the JSON values of <c>results[i].values</c>.</summary>
    public static async Task<Dictionary<string, JsonElement[]>> ColumnsAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        var names = document.RootElement.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(n => n.GetString()!).ToList();
        var results = document.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(names.Count, results.Count);
        return names.Select((n, i) => (n, results[i].GetProperty("values").EnumerateArray().Select(v => v.Clone()).ToArray()))
            .ToDictionary(p => p.n, p => p.Item2, StringComparer.Ordinal);
    }
}
