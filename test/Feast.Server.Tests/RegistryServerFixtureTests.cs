using Feast.Protos.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests;

/// <summary>
/// The registry Python Feast wrote (test/testdata/feast_registry, project my_project) served by the registry server:
/// every object read back over gRPC equals, byte for byte, the fixture's own message.
/// </summary>
public sealed class RegistryServerFixtureTests : IAsyncLifetime
{
    private const string Project = "my_project";
    private string _repo = null!;
    private RegistryServerHost _server = null!;
    private P.Registry _fixture = null!;

    public async Task InitializeAsync()
    {
        _repo = TestFiles.PythonWrittenRepo();
        _fixture = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(TestFiles.FeastRegistryDb));
        _server = await RegistryServerHost.StartAsync(o => o.RepoPath = _repo);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        TestFiles.DeleteDirectory(_repo);
    }

    private static void Same(IMessage expected, IMessage actual) => Assert.Equal(expected.ToByteArray(), actual.ToByteArray());

    [Fact]
    public async Task Proto_IsTheFixtureByteForByte()
    {
        var registry = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);

        Assert.Equal(await File.ReadAllBytesAsync(TestFiles.FeastRegistryDb), registry.ToByteArray());
    }

    [Fact]
    public async Task EveryObject_GetAndList_EqualTheFixturesMessages()
    {
        Assert.NotEmpty(_fixture.Entities);
        Assert.NotEmpty(_fixture.Permissions);
        foreach (var expected in _fixture.Entities)
            Same(expected, await _server.CallAsync("GetEntity", new GetEntityRequest { Name = expected.Spec.Name, Project = Project }, P.Entity.Parser));
        foreach (var expected in _fixture.DataSources)
            Same(expected, await _server.CallAsync("GetDataSource", new GetDataSourceRequest { Name = expected.Name, Project = Project }, P.DataSource.Parser));
        foreach (var expected in _fixture.FeatureViews)
        {
            Same(expected, await _server.CallAsync("GetFeatureView", new GetFeatureViewRequest { Name = expected.Spec.Name, Project = Project }, P.FeatureView.Parser));
            var any = await _server.CallAsync("GetAnyFeatureView", new GetAnyFeatureViewRequest { Name = expected.Spec.Name, Project = Project }, GetAnyFeatureViewResponse.Parser);
            Same(expected, any.AnyFeatureView.FeatureView);
        }
        foreach (var expected in _fixture.OnDemandFeatureViews)
            Same(expected, await _server.CallAsync("GetOnDemandFeatureView", new GetOnDemandFeatureViewRequest { Name = expected.Spec.Name, Project = Project }, P.OnDemandFeatureView.Parser));
        foreach (var expected in _fixture.FeatureServices)
            Same(expected, await _server.CallAsync("GetFeatureService", new GetFeatureServiceRequest { Name = expected.Spec.Name, Project = Project }, P.FeatureService.Parser));
        foreach (var expected in _fixture.Permissions)
            Same(expected, await _server.CallAsync("GetPermission", new GetPermissionRequest { Name = expected.Spec.Name, Project = Project }, P.Permission.Parser));
        foreach (var expected in _fixture.Projects)
            Same(expected, await _server.CallAsync("GetProject", new GetProjectRequest { Name = expected.Spec.Name }, P.Project.Parser));

        var entities = await _server.CallAsync("ListEntities", new ListEntitiesRequest { Project = Project }, ListEntitiesResponse.Parser);
        var sources = await _server.CallAsync("ListDataSources", new ListDataSourcesRequest { Project = Project }, ListDataSourcesResponse.Parser);
        var views = await _server.CallAsync("ListFeatureViews", new ListFeatureViewsRequest { Project = Project }, ListFeatureViewsResponse.Parser);
        var odfvs = await _server.CallAsync("ListOnDemandFeatureViews", new ListOnDemandFeatureViewsRequest { Project = Project }, ListOnDemandFeatureViewsResponse.Parser);
        var services = await _server.CallAsync("ListFeatureServices", new ListFeatureServicesRequest { Project = Project }, ListFeatureServicesResponse.Parser);
        var permissions = await _server.CallAsync("ListPermissions", new ListPermissionsRequest { Project = Project }, ListPermissionsResponse.Parser);
        var projects = await _server.CallAsync("ListProjects", new ListProjectsRequest(), ListProjectsResponse.Parser);

        Assert.Equal(_fixture.Entities, entities.Entities);
        Assert.Equal(_fixture.DataSources, sources.DataSources);
        Assert.Equal(_fixture.FeatureViews, views.FeatureViews);
        Assert.Equal(_fixture.OnDemandFeatureViews, odfvs.OnDemandFeatureViews);
        Assert.Equal(_fixture.FeatureServices, services.FeatureServices);
        Assert.Equal(_fixture.Permissions, permissions.Permissions);
        Assert.Equal(_fixture.Projects, projects.Projects);
    }

    [Fact]
    public async Task ListFeatureViews_TagsFilter_KeepsViewsWithEveryTag()
    {
        var view = _fixture.FeatureViews.First(v => v.Spec.Tags.Count > 0);
        var (key, value) = view.Spec.Tags.First();

        var matching = await _server.CallAsync("ListFeatureViews", new ListFeatureViewsRequest { Project = Project, Tags = { { key, value } } }, ListFeatureViewsResponse.Parser);
        var none = await _server.CallAsync("ListFeatureViews", new ListFeatureViewsRequest { Project = Project, Tags = { { key, value + "-not" } } }, ListFeatureViewsResponse.Parser);

        Assert.Contains(matching.FeatureViews, v => v.Spec.Name == view.Spec.Name);
        Assert.All(matching.FeatureViews, v => Assert.Equal(value, v.Spec.Tags[key]));
        Assert.Empty(none.FeatureViews);
    }
}
