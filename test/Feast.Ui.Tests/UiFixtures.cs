namespace Feast.Ui.Tests;

/// <summary>Feast's driver demo (<c>feast init demo</c>, <c>feast apply</c>) served by <c>feast ui</c> at the root.</summary>
public sealed class DemoUiFixture : IAsyncLifetime
{
    private string _repo = null!;
    private UiServer _server = null!;

    /// <summary>The UI's URL (ends in a slash).</summary>
    public Uri Url => _server.Url;

    /// <summary>What <c>feast ui</c> printed.</summary>
    public string Output => _server.Output;

    public async Task InitializeAsync()
    {
        _repo = await UiRepos.DemoAsync();
        _server = await UiServer.StartAsync(_repo);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        UiRepos.Delete(Path.GetDirectoryName(Path.GetDirectoryName(_repo))!);
    }
}

/// <summary>One <c>feast ui</c> on the demo repo for the HTTP and the browser tests.</summary>
[CollectionDefinition(Name)]
public sealed class DemoUiCollection : ICollectionFixture<DemoUiFixture>
{
    public const string Name = "feast ui on the demo repo";
}

/// <summary>
/// The registry Python Feast wrote (project my_project), served by <c>feast ui --root-path /feast</c> with
/// <c>auth: oidc</c> in <c>feature_store.yaml</c>.
/// </summary>
public sealed class RootPathOidcUiFixture : IAsyncLifetime
{
    private string _repo = null!;
    private UiServer _server = null!;

    /// <summary>The server's address, without the root path.</summary>
    public Uri Origin => new(_server.Url.GetLeftPart(UriPartial.Authority));

    /// <summary>The URL <c>feast ui</c> printed.</summary>
    public Uri Url => _server.Url;

    public async Task InitializeAsync()
    {
        _repo = UiRepos.NewDirectory();
        var registry = Path.Combine(AppContext.BaseDirectory, "testdata", "feast_registry", "registry.db");
        File.Copy(registry, Path.Combine(_repo, "registry.db"));
        File.SetAttributes(Path.Combine(_repo, "registry.db"), FileAttributes.Normal);
        await File.WriteAllTextAsync(Path.Combine(_repo, "feature_store.yaml"), """
            project: my_project
            registry: registry.db
            provider: local
            online_store:
              type: sqlite
              path: online_store.db
            entity_key_serialization_version: 3
            auth:
              type: oidc
              auth_discovery_url: http://127.0.0.1:9/realms/feast-realm/.well-known/openid-configuration
              client_id: feast-server
              ui_client_id: feast-ui
            """);
        _server = await UiServer.StartAsync(_repo, "--root-path", "/feast/");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        UiRepos.Delete(_repo);
    }
}

/// <summary>
/// The registry Python Feast wrote (project my_project: a permission, a JSON feature, a view no service uses) served by
/// <c>feast ui</c> at the root without authentication, for the browser tests.
/// </summary>
public sealed class PythonRegistryUiFixture : IAsyncLifetime
{
    private string _repo = null!;
    private UiServer _server = null!;

    /// <summary>The UI's URL (ends in a slash).</summary>
    public Uri Url => _server.Url;

    public async Task InitializeAsync()
    {
        _repo = UiRepos.NewDirectory();
        var registry = Path.Combine(AppContext.BaseDirectory, "testdata", "feast_registry", "registry.db");
        File.Copy(registry, Path.Combine(_repo, "registry.db"));
        File.SetAttributes(Path.Combine(_repo, "registry.db"), FileAttributes.Normal);
        await File.WriteAllTextAsync(Path.Combine(_repo, "feature_store.yaml"), """
            project: my_project
            registry: registry.db
            provider: local
            online_store:
              type: sqlite
              path: online_store.db
            entity_key_serialization_version: 3
            """);
        _server = await UiServer.StartAsync(_repo);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        UiRepos.Delete(_repo);
    }
}
