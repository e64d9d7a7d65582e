using System.Buffers;
using System.Net;
using System.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;

namespace Feast.Benchmarks.ServerLoad;

/// <summary>
/// <c>bare --port P --bodies DIR</c>: the baseline server. Kestrel set up as <c>feast serve</c> sets it up (empty
/// builder, Kestrel core, HTTP/1.1 on loopback, no server header, same GC mode) with one terminal handler: it reads the
/// request body to the end, as Feast's endpoint does, and answers <c>POST /bare/{shape}</c> with the bytes of
/// <c>DIR/{shape}.json</c> — feast serve's own answer for that shape — written to the response pipe without a length
/// (chunked, as feast serve's streamed JSON is). <c>GET /health</c> answers 200.
/// </summary>
internal static class BareServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        int? port = null;
        string? bodies = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length:
                    port = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--bodies" when i + 1 < args.Length:
                    bodies = args[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"bare: unknown argument '{args[i]}'. Usage: bare --port P --bodies DIR");
                    return 1;
            }
        }
        if (port is null || bodies is null)
        {
            await Console.Error.WriteLineAsync("Usage: bare --port P --bodies DIR");
            return 1;
        }

        var answers = Directory.EnumerateFiles(bodies, "*.json")
            .ToDictionary(f => "/bare/" + Path.GetFileNameWithoutExtension(f), File.ReadAllBytes, StringComparer.Ordinal);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "bare" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port.Value, listen => listen.Protocols = HttpProtocols.Http1);
        });
        await using var app = builder.Build();
        app.Run(async context =>
        {
            var request = context.Request;
            if (HttpMethods.IsGet(request.Method) && request.Path == "/health")
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                return;
            }
            if (!answers.TryGetValue(request.Path.Value ?? "", out var answer))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            var reader = request.BodyReader;
            while (true)
            {
                var read = await reader.ReadAsync(context.RequestAborted);
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                if (read.IsCompleted)
                    break;
            }
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json";
            response.BodyWriter.Write(answer);
            await response.BodyWriter.FlushAsync(context.RequestAborted);
        });
        await app.StartAsync();
        Console.WriteLine($"bare: listening on http://127.0.0.1:{port} ({answers.Count} answers, {(GCSettings.IsServerGC ? "server" : "workstation")} GC)");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
