using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests;

/// <summary>
/// A registry server for a test on real Kestrel (HTTP/2 without TLS on a free loopback port), with a gRPC client that
/// calls <c>feast.registry.RegistryServer</c> by Feast's method names, as a Python or Go client does.
/// </summary>
internal sealed class RegistryServerHost : IAsyncDisposable
{
    public const string Service = "feast.registry.RegistryServer";

    private RegistryServerHost(WebApplication app, GrpcChannel channel)
    {
        App = app;
        Channel = channel;
    }

    public WebApplication App { get; }

    public GrpcChannel Channel { get; }

    public static async Task<RegistryServerHost> StartAsync(Action<FeastServerOptions> configure, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        builder.Services.AddFeastRegistryServer(configure);
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            listen = l;
        }));
        var app = builder.Build();
        app.MapFeastRegistryServer();
        await app.StartAsync();
        return new RegistryServerHost(app, GrpcChannel.ForAddress($"http://127.0.0.1:{listen!.IPEndPoint!.Port}"));
    }

    /// <summary>Calls <paramref name="rpc"/> with <paramref name="request"/>.</summary>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(string rpc, TRequest request, MessageParser<TResponse> parser, Metadata? headers = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, Service, rpc,
            Marshallers.Create<TRequest>(m => m.ToByteArray(), _ => throw new NotSupportedException()),
            Marshallers.Create(_ => throw new NotSupportedException(), parser.ParseFrom));
        return await Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(headers), request);
    }

    /// <summary>The call's failure: its status code and Feast's error detail (<c>{"module", "class", "message"}</c>) read back.</summary>
    public async Task<(StatusCode Code, string Class, string Message)> FailAsync<TRequest, TResponse>(string rpc, TRequest request, MessageParser<TResponse> parser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, request, parser));
        if (e.StatusCode == StatusCode.Unimplemented) return (e.StatusCode, "", e.Status.Detail);
        using var detail = JsonDocument.Parse(e.Status.Detail);
        Assert.Equal("feast.errors", detail.RootElement.GetProperty("module").GetString());
        return (e.StatusCode, detail.RootElement.GetProperty("class").GetString()!, detail.RootElement.GetProperty("message").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
