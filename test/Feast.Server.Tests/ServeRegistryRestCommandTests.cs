using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Feast.Protos.Registry;
using Grpc.Core;
using Grpc.Net.Client;

namespace Feast.Server.Tests;

/// <summary><c>feast serve_registry --rest-api [--rest-port] [--no-grpc]</c> run in process, as a user runs it.</summary>
public sealed partial class ServeCommandTests
{
    [Fact]
    public async Task ServeRegistry_RestApi_ServesRestBesideGrpc_OnPrintedPorts()
    {
        var repo = TestFiles.PythonWrittenRepo();
        try
        {
            await using var server = await CliServer.StartAsync("-c", repo, "serve_registry", "-p", "0", "--rest-api", "--rest-port", "0", "--no-access-log");
            var rest = RestUrl(server.Output);
            using var http = new HttpClient { BaseAddress = rest };
            using var channel = GrpcChannel.ForAddress(server.GrpcUrl!);

            var entities = JsonNode.Parse(await http.GetStringAsync("api/v1/entities?project=my_project&include_relationships=true"))!;
            var grpc = await channel.CreateCallInvoker().AsyncUnaryCall(ListEntitiesMethod, null, new CallOptions(), new ListEntitiesRequest { Project = "my_project" });

            Assert.NotEqual(server.GrpcUrl!.Port, rest.Port);
            Assert.Contains(entities["entities"]!.AsArray(), e => e!["spec"]!["name"]!.GetValue<string>() == "driver");
            Assert.NotNull(entities["relationships"]!["driver"]);
            Assert.Contains(grpc.Entities, e => e.Spec.Name == "driver");
            Assert.Equal(0, await server.StopAsync());
        }
        finally
        {
            TestFiles.DeleteDirectory(repo);
        }
    }

    [Fact]
    public async Task ServeRegistry_NoGrpc_ServesRestOnly()
    {
        var repo = TestFiles.PythonWrittenRepo();
        try
        {
            await using var server = await CliServer.StartAsync("-c", repo, "serve_registry", "--no-grpc", "--rest-api", "--rest-port", "0", "--no-access-log");
            using var http = new HttpClient { BaseAddress = RestUrl(server.Output) };

            using var projects = await http.GetAsync("api/v1/projects");

            Assert.Equal(HttpStatusCode.OK, projects.StatusCode);
            Assert.Null(server.GrpcUrl);
            Assert.DoesNotContain("gRPC", server.Output, StringComparison.Ordinal);
            Assert.Equal(0, await server.StopAsync());
        }
        finally
        {
            TestFiles.DeleteDirectory(repo);
        }
    }

    [Fact]
    public async Task ServeRegistry_NoGrpcWithoutRestApi_IsRefused()
    {
        var (code, output, error) = await RunToEndAsync("serve_registry", "--no-grpc");

        Assert.NotEqual(0, code);
        Assert.Contains("--rest-api", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeRegistry_Help_ExplainsTheRestFlags()
    {
        var (code, output, _) = await RunToEndAsync("serve_registry", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--rest-api", output, StringComparison.Ordinal);
        Assert.Contains("--rest-port", output, StringComparison.Ordinal);
        Assert.Contains("6572", output, StringComparison.Ordinal);
        Assert.Contains("--no-grpc", output, StringComparison.Ordinal);
    }

    private static Uri RestUrl(string output) => new(RestLine().Match(output) is { Success: true } m
        ? m.Groups[1].Value.Replace("/api/v1", "/", StringComparison.Ordinal)
        : throw new InvalidOperationException("No REST line in: " + output));

    [GeneratedRegex(@"^\s+REST\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex RestLine();
}
