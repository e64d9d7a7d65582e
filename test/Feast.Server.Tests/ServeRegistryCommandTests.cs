using Feast.Protos.Registry;
using Grpc.Core;
using Grpc.Net.Client;

namespace Feast.Server.Tests;

/// <summary><c>feast serve_registry</c> run in process, as a user runs it.</summary>
public sealed partial class ServeCommandTests
{
    private static readonly Method<ListEntitiesRequest, ListEntitiesResponse> ListEntitiesMethod = new(
        MethodType.Unary, "feast.registry.RegistryServer", "ListEntities",
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), ListEntitiesRequest.Parser.ParseFrom),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), ListEntitiesResponse.Parser.ParseFrom));

    [Fact]
    public async Task ServeRegistry_PrintsItsUrl_ServesTheRegistry_StopsCleanlyOnCtrlC()
    {
        var repo = TestFiles.PythonWrittenRepo();
        try
        {
            await using var server = await CliServer.StartAsync("-c", repo, "serve_registry", "-p", "0", "--no-access-log");
            using var channel = GrpcChannel.ForAddress(server.GrpcUrl!);

            var entities = await channel.CreateCallInvoker().AsyncUnaryCall(ListEntitiesMethod, null, new CallOptions(), new ListEntitiesRequest { Project = "my_project" });
            var health = await new global::Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(
                new global::Grpc.Health.V1.HealthCheckRequest { Service = "feast.registry.RegistryServer" });

            Assert.Contains(entities.Entities, e => e.Spec.Name == "driver");
            Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
            Assert.Contains("(project my_project", server.Output, StringComparison.Ordinal);
            Assert.Equal(0, await server.StopAsync());
        }
        finally
        {
            TestFiles.DeleteDirectory(repo);
        }
    }

    [Fact]
    public async Task ServeRegistry_Help_DescribesTheCommand()
    {
        var (code, output, _) = await RunToEndAsync("serve_registry", "--help");

        Assert.Equal(0, code);
        Assert.Contains("feast.registry.RegistryServer", output, StringComparison.Ordinal);
        Assert.Contains("--port", output, StringComparison.Ordinal);
        Assert.Contains("6570", output, StringComparison.Ordinal);
    }
}
