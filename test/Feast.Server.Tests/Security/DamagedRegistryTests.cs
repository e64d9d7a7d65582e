using System.Net;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace Feast.Server.Tests.Security;

/// <summary>
/// A registry that is not whole is an error, never an empty or partial registry: at startup the server refuses to
/// start; while serving it keeps the last good snapshot and reports Degraded. A registry that vanishes or is emptied
/// while serving is treated the same way.
/// </summary>
public sealed class DamagedRegistryTests
{
    private const string ReadBody = """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""";

    private static async Task<ServerRepo> RepoWithPermissionsAsync()
    {
        var repo = await ServerRepo.CreateAsync();
        await repo.Store.ApplyAsync([.. ServerRepo.Objects,
            new Permission("readers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.ReadOnline], policy: new RoleBasedPolicy(["reader"]))]);
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        return repo;
    }

    /// <summary>Where the top-level field <paramref name="number"/> starts in serialized registry bytes.</summary>
    internal static int StartOfField(byte[] bytes, int number)
    {
        var input = new CodedInputStream(bytes);
        while (true)
        {
            var position = (int)input.Position;
            var tag = input.ReadTag();
            if (tag == 0) throw new InvalidOperationException($"The registry has no field {number}.");
            if (WireFormat.GetTagFieldNumber(tag) == number) return position;
            input.SkipLastField();
        }
    }

    [Fact]
    public async Task Startup_RegistryCutJustBeforeItsPermissions_RefusesToStart_NamingTheFile()
    {
        await using var repo = await RepoWithPermissionsAsync();
        var path = repo.PathOf("data/registry.db");
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..StartOfField(bytes, 16)]);
        await using var store = repo.OpenAnother();

        var error = await Assert.ThrowsAsync<RegistryException>(async () => await (await TestHost.StartAsync(store, kestrel: true)).DisposeAsync());

        Assert.True(error.Damaged);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("no project record", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("cut inside a field")]
    public async Task Startup_EmptyOrCutRegistry_RefusesToStart(string damage)
    {
        await using var repo = await RepoWithPermissionsAsync();
        var path = repo.PathOf("data/registry.db");
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, damage == "empty" ? [] : bytes[..(StartOfField(bytes, 16) + 5)]);
        await using var store = repo.OpenAnother();

        var error = await Assert.ThrowsAsync<RegistryException>(async () => await (await TestHost.StartAsync(store, kestrel: true)).DisposeAsync());

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated to 0 bytes")]
    [InlineData("cut before its permissions")]
    [InlineData("deleted")]
    [InlineData("emptied by another writer")]
    public async Task Serving_RegistryDamagedOrGone_KeepsTheLastGoodSnapshot_AndIsDegraded(string damage)
    {
        await using var repo = await RepoWithPermissionsAsync();
        await using var store = repo.OpenAnother();
        await using var host = await TestHost.StartAsync(store, kestrel: true);
        var path = repo.PathOf("data/registry.db");
        var bytes = await File.ReadAllBytesAsync(path);
        switch (damage)
        {
            case "truncated to 0 bytes": await File.WriteAllBytesAsync(path, []); break;
            case "cut before its permissions": await File.WriteAllBytesAsync(path, bytes[..StartOfField(bytes, 16)]); break;
            case "deleted": File.Delete(path); break;
            default:
                var empty = new Protos.Core.Registry { RegistrySchemaVersion = "1", VersionId = "emptied", LastUpdated = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(ServerRepo.Now) };
                await File.WriteAllBytesAsync(path, empty.ToByteArray());
                break;
        }

        await host.App.Services.GetRequiredService<Hosting.FeastServerState>().RefreshRegistryAsync(initial: false, CancellationToken.None);
        var read = await Answers.ColumnsAsync(await host.PostAsync("/get-online-features", ReadBody));
        var health = await host.Http.GetAsync("/health");
        var ready = await host.Http.GetAsync("/healthz/ready");

        Assert.Equal(0.2, read["conv_rate"][0].GetDouble(), 5);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var report = await ready.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":\"Degraded\"", report, StringComparison.Ordinal);
        Assert.Contains("Serving the last registry read", report, StringComparison.Ordinal);
        // Still the project's permissions: a user with no role is still refused by them (the snapshot kept them).
        var kept = await store.GetRegistryAsync();
        Assert.Single(kept.Permissions);
    }
}
