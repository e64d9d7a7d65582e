using System.Net;
using System.Net.Sockets;
using Feast.Server.Tests.RemoteRegistry;

namespace Feast.Server.Tests.Deployment;

/// <summary>Every server command given a port another process holds ends with one usage error that says what to do.</summary>
public sealed class PortInUseTests : IDisposable
{
    private readonly string _root = TestFiles.NewDirectory();

    public void Dispose() => TestFiles.DeleteDirectory(_root);

    [Theory]
    [InlineData("serve", "--port/--grpc-port")]
    [InlineData("serve_registry", "--port or --rest-port")]
    [InlineData("serve_offline", "--port")]
    public async Task A_port_in_use_is_one_clear_error(string command, string options)
    {
        var repo = await RemoteRepos.InitAsync(_root, "shop");
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] args = command == "serve" ? [command, "-p", port, "--grpc-port", "0"] : [command, "-p", port];

        var (code, output, error) = await RemoteRepos.RunAsync(repo, args);

        Assert.NotEqual(0, code);
        Assert.Contains("Cannot listen on 127.0.0.1", error, StringComparison.Ordinal);
        Assert.Contains($"Choose another {options}, or stop the process using it.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }
}
