using Feast.Protos.Registry;
using Grpc.Core;

namespace Feast.Server.Tests;

/// <summary>
/// The lineage and feature RPCs (<c>GetRegistryLineage</c>, <c>GetObjectRelationships</c>, <c>ListFeatures</c>,
/// <c>GetFeature</c>) over real gRPC, on the registry Python Feast wrote (project my_project) and on a demo repo
/// applied by Feast.NET (project loop).
/// </summary>
public sealed class RegistryLineageGrpcTests : IAsyncLifetime
{
    private const string P = "my_project";
    private string _repo = null!;
    private RegistryServerHost _server = null!;

    public async Task InitializeAsync()
    {
        _repo = TestFiles.PythonWrittenRepo();
        _server = await RegistryServerHost.StartAsync(o => o.RepoPath = _repo);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        TestFiles.DeleteDirectory(_repo);
    }

    private static List<string> Pairs(IEnumerable<EntityRelation> relations) =>
        [.. relations.Select(r => $"{r.Source.Type}:{r.Source.Name} -> {r.Target.Type}:{r.Target.Name}")];

    [Fact]
    public async Task GetRegistryLineage_DirectAndIndirect_FilteredAndPaged()
    {
        var lineage = await _server.CallAsync("GetRegistryLineage", new GetRegistryLineageRequest { Project = P }, GetRegistryLineageResponse.Parser);

        var direct = Pairs(lineage.Relationships);
        Assert.Equal(18, direct.Count);
        Assert.Equal(
        [
            "featureView:driver_hourly_stats -> featureService:driver_activity_v1",
            "featureView:transformed_conv_rate -> featureService:driver_activity_v1",
            "entity:driver -> featureView:driver_hourly_stats",
            "feature:conv_rate -> featureView:driver_hourly_stats",
        ], direct.Take(4));
        Assert.Contains("dataSource:driver_hourly_stats_source -> featureView:driver_hourly_stats", direct);
        Assert.Contains("feature:conv_rate_plus_val2 -> featureView:transformed_conv_rate", direct);
        Assert.Contains("dataSource:vals_to_add -> featureView:transformed_conv_rate", direct);
        Assert.Contains("featureView:driver_hourly_stats -> featureView:transformed_conv_rate", direct);
        Assert.Equal(12, lineage.IndirectRelationships.Count);
        Assert.Contains("entity:driver -> featureService:driver_activity_v1", Pairs(lineage.IndirectRelationships));
        Assert.Equal(18, lineage.RelationshipsPagination.TotalCount);

        var filtered = await _server.CallAsync("GetRegistryLineage", new GetRegistryLineageRequest
        {
            Project = P, FilterObjectType = "entity", FilterObjectName = "driver",
            Pagination = new PaginationParams { Page = 1, Limit = 1 },
            Sorting = new SortingParams { SortBy = "target.name", SortOrder = "desc" },
        }, GetRegistryLineageResponse.Parser);
        Assert.Equal(["entity:driver -> featureView:driver_hourly_stats_fresh"], Pairs(filtered.Relationships));
        Assert.Equal(2, filtered.RelationshipsPagination.TotalCount);
        Assert.True(filtered.RelationshipsPagination.HasNext);
        Assert.Equal(["entity:driver -> dataSource:driver_hourly_stats_source"], Pairs(filtered.IndirectRelationships));
        Assert.Equal(3, filtered.IndirectRelationshipsPagination.TotalCount);

        var unknown = await _server.CallAsync("GetRegistryLineage", new GetRegistryLineageRequest { Project = "nope" }, GetRegistryLineageResponse.Parser);
        Assert.Empty(unknown.Relationships);
    }

    [Fact]
    public async Task GetObjectRelationships_OfOneObject()
    {
        var direct = await _server.CallAsync("GetObjectRelationships",
            new GetObjectRelationshipsRequest { Project = P, ObjectType = "dataSource", ObjectName = "driver_hourly_stats_source" },
            GetObjectRelationshipsResponse.Parser);
        Assert.Equal(
            ["dataSource:driver_hourly_stats_source -> featureView:driver_hourly_stats", "dataSource:driver_hourly_stats_source -> featureView:driver_hourly_stats_fresh"],
            Pairs(direct.Relationships));

        var all = await _server.CallAsync("GetObjectRelationships",
            new GetObjectRelationshipsRequest { Project = P, ObjectType = "dataSource", ObjectName = "driver_hourly_stats_source", IncludeIndirect = true },
            GetObjectRelationshipsResponse.Parser);
        Assert.Equal(5, all.Relationships.Count);
        Assert.Equal(5, all.Pagination.TotalCount);

        var (code, _, message) = await _server.FailAsync("GetObjectRelationships",
            new GetObjectRelationshipsRequest { Project = P, ObjectType = "table", ObjectName = "x" }, GetObjectRelationshipsResponse.Parser);
        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Contains("dataSource, entity, featureView", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListFeatures_EveryFeature_FilteredSortedPaged()
    {
        var all = await _server.CallAsync("ListFeatures", new ListFeaturesRequest { Project = P }, ListFeaturesResponse.Parser);
        Assert.Equal(10, all.Features.Count);
        Assert.Equal(new Feature { Name = "conv_rate", FeatureView = "driver_hourly_stats", Type = "Float32", Kind = "feature" }, all.Features[0]);
        Assert.Equal("Int64", all.Features.First(f => f.Name == "avg_daily_trips").Type);
        Assert.Equal(["conv_rate_plus_val1", "conv_rate_plus_val2"], all.Features.Where(f => f.FeatureView == "transformed_conv_rate").Select(f => f.Name));

        var named = await _server.CallAsync("ListFeatures", new ListFeaturesRequest { Project = P, Name = "conv_rate" }, ListFeaturesResponse.Parser);
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], named.Features.Select(f => f.FeatureView));

        var page = await _server.CallAsync("ListFeatures", new ListFeaturesRequest
        {
            Project = P, FeatureView = "driver_hourly_stats_fresh",
            Pagination = new PaginationParams { Page = 1, Limit = 2 }, Sorting = new SortingParams { SortBy = "name", SortOrder = "desc" },
        }, ListFeaturesResponse.Parser);
        Assert.Equal(["driver_config", "conv_rate"], page.Features.Select(f => f.Name));
        Assert.Equal(4, page.Pagination.TotalCount);
        Assert.Equal(2, page.Pagination.TotalPages);

        var labels = await _server.CallAsync("ListFeatures", new ListFeaturesRequest { Project = P, Kind = "label" }, ListFeaturesResponse.Parser);
        Assert.Empty(labels.Features);
    }

    [Fact]
    public async Task GetFeature_OneFeature_OrFeastsNotFound()
    {
        var feature = await _server.CallAsync("GetFeature",
            new GetFeatureRequest { Project = P, FeatureView = "transformed_conv_rate", Name = "conv_rate_plus_val1" }, Feature.Parser);
        Assert.Equal("Float64", feature.Type);
        Assert.Equal("transformed_conv_rate", feature.FeatureView);

        var (code, errorClass, message) = await _server.FailAsync("GetFeature",
            new GetFeatureRequest { Project = P, FeatureView = "driver_hourly_stats", Name = "conv_rate_plus_val1" }, Feature.Parser);
        Assert.Equal(StatusCode.NotFound, code);
        Assert.Equal("FeastObjectNotFoundException", errorClass);
        Assert.Equal("Feature conv_rate_plus_val1 not found in feature view driver_hourly_stats in project my_project", message);
    }

    [Fact]
    public async Task DemoRepo_LineageAndFeatures()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var server = await RegistryServerHost.StartAsync(o => o.Store = repo.Store);

        var lineage = await server.CallAsync("GetRegistryLineage", new GetRegistryLineageRequest { Project = "loop" }, GetRegistryLineageResponse.Parser);
        var direct = Pairs(lineage.Relationships);
        Assert.Contains("entity:driver -> featureView:driver_hourly_stats", direct);
        Assert.Contains("dataSource:driver_stats_source -> featureView:driver_hourly_stats", direct);
        Assert.Contains("featureView:driver_hourly_stats -> featureView:transformed_conv_rate", direct);
        Assert.Contains("dataSource:vals_to_add -> featureView:transformed_conv_rate", direct);
        Assert.Contains("featureView:transformed_conv_rate -> featureService:driver_activity_v1", direct);
        Assert.Contains("entity:driver -> featureService:driver_activity_v1", Pairs(lineage.IndirectRelationships));

        var features = await server.CallAsync("ListFeatures", new ListFeaturesRequest { Project = "loop" }, ListFeaturesResponse.Parser);
        Assert.Contains(features.Features, f => f.Name == "conv_rate" && f.FeatureView == "driver_hourly_stats" && f.Type == "Float32");
    }
}
