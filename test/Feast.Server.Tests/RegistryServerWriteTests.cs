using Feast.Protos.Registry;
using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests;

/// <summary>
/// <c>feast.registry.RegistryServer</c>'s write RPCs over real gRPC on loopback, against the repo of
/// <see cref="RegistryServerTests"/> (project loop): each write lands in the store and reads back through Get.
/// </summary>
public sealed class RegistryServerWriteTests : IAsyncLifetime
{
    private static readonly Entity Rider = new("rider", ["rider_id"], ValueType.Int64, description: "who rides");

    private ServerRepo _repo = null!;
    private RegistryServerHost _server = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        _server = await RegistryServerHost.StartAsync(o => o.Store = _repo.Store);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _repo.DisposeAsync();
    }

    /// <summary>The object's Feast message, as a client sends it (built from the model's public protobuf JSON).</summary>
    private static T Message<T>(FeastObject obj, MessageParser<T> parser) where T : IMessage<T>, new() =>
        JsonParser.Default.Parse<T>(FeastObjectJson.Format(obj, "loop"));

    private Task<Empty> Call<TRequest>(string rpc, TRequest request) where TRequest : class, IMessage<TRequest> =>
        _server.CallAsync(rpc, request, Empty.Parser);

    [Fact]
    public async Task ApplyEntity_ThenGet_AnswersWhatLocalApplyWrites()
    {
        await Call("ApplyEntity", new ApplyEntityRequest { Entity = Message(Rider, P.Entity.Parser), Project = "loop", Commit = true });

        var read = await _server.CallAsync("GetEntity", new GetEntityRequest { Name = "rider", Project = "loop" }, P.Entity.Parser);
        await using var local = await ServerRepo.CreateAsync();
        await local.Store.ApplyObjectAsync(Rider);
        var written = P.Registry.Parser.ParseFrom((await local.Store.RegistryStore.ReadAsync())!.ToByteArray()).Entities.Single(e => e.Spec.Name == "rider");

        Assert.Equal(written.Spec, read.Spec);
        Assert.NotNull(read.Meta.CreatedTimestamp);
    }

    [Fact]
    public async Task ApplyOfEachKind_ThenGet_AnswersIt()
    {
        var source = new FileSource("data/driver_stats.parquet", "event_timestamp", name: "daily_source", createdTimestampColumn: "created");
        var view = new FeatureView("driver_daily", source, [ServerRepo.Driver], TimeSpan.FromDays(2), [new Field("conv_rate", FeastType.Float32)]);
        var service = new FeatureService("daily_service", [view.Select("conv_rate")]);
        var permission = new Permission("readers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.Describe]);

        await Call("ApplyDataSource", new ApplyDataSourceRequest { DataSource = Message(source, P.DataSource.Parser), Project = "loop" });
        await Call("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message(view, P.FeatureView.Parser), Project = "loop" });
        await Call("ApplyFeatureService", new ApplyFeatureServiceRequest { FeatureService = Message(service, P.FeatureService.Parser), Project = "loop" });
        await Call("ApplyPermission", new ApplyPermissionRequest { Permission = Message(permission, P.Permission.Parser), Project = "loop" });
        var project = Message(new Project("loop", description: "served"), P.Project.Parser);
        await Call("ApplyProject", new ApplyProjectRequest { Project = project });

        var readSource = await _server.CallAsync("GetDataSource", new GetDataSourceRequest { Name = "daily_source", Project = "loop" }, P.DataSource.Parser);
        var readView = await _server.CallAsync("GetFeatureView", new GetFeatureViewRequest { Name = "driver_daily", Project = "loop" }, P.FeatureView.Parser);
        var readService = await _server.CallAsync("GetFeatureService", new GetFeatureServiceRequest { Name = "daily_service", Project = "loop" }, P.FeatureService.Parser);
        var readPermission = await _server.CallAsync("GetPermission", new GetPermissionRequest { Name = "readers", Project = "loop" }, P.Permission.Parser);
        var readProject = await _server.CallAsync("GetProject", new GetProjectRequest { Name = "loop" }, P.Project.Parser);

        Assert.Equal("data/driver_stats.parquet", readSource.FileOptions.Uri);
        Assert.Equal(["conv_rate"], readView.Spec.Features.Select(f => f.Name));
        Assert.Equal(["driver"], readView.Spec.Entities);
        Assert.Equal("driver_daily", readService.Spec.Features.Single().FeatureViewName);
        Assert.Equal("readers", readPermission.Spec.Name);
        Assert.Equal("served", readProject.Spec.Description);
    }

    [Fact]
    public async Task ApplyFeatureView_OnDemand_ThenGetAnyFeatureView_FindsIt()
    {
        var plusOne = new OnDemandFeatureView("conv_rate_again", [ServerRepo.Stats, ServerRepo.Request],
            [new Field("conv_rate_plus_val1", FeastType.Float64), new Field("conv_rate_plus_val2", FeastType.Float64)],
            transform: (Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>)ServerRepo.Add);

        await Call("ApplyFeatureView", new ApplyFeatureViewRequest { OnDemandFeatureView = Message(plusOne, P.OnDemandFeatureView.Parser), Project = "loop" });

        var read = await _server.CallAsync("GetAnyFeatureView", new GetAnyFeatureViewRequest { Name = "conv_rate_again", Project = "loop" }, GetAnyFeatureViewResponse.Parser);
        Assert.Equal(AnyFeatureView.AnyFeatureViewOneofCase.OnDemandFeatureView, read.AnyFeatureView.AnyFeatureViewCase);
        Assert.Equal(["conv_rate_plus_val1", "conv_rate_plus_val2"], read.AnyFeatureView.OnDemandFeatureView.Spec.Features.Select(f => f.Name));
    }

    [Fact]
    public async Task ApplyFeatureView_WithAMissingEntity_IsRefused()
    {
        var ghost = new FeatureView("ghost_view", ServerRepo.Source, [new Entity("ghost", ["ghost_id"], ValueType.Int64)], TimeSpan.FromDays(1),
            [new Field("conv_rate", FeastType.Float32)]);

        var (code, _, message) = await _server.FailAsync("ApplyFeatureView",
            new ApplyFeatureViewRequest { FeatureView = Message(ghost, P.FeatureView.Parser), Project = "loop" }, Empty.Parser);

        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Contains("ghost", message);
        await _server.FailAsync("GetFeatureView", new GetFeatureViewRequest { Name = "ghost_view", Project = "loop" }, P.FeatureView.Parser);
    }

    [Fact]
    public async Task Delete_ThenGet_IsNotFound()
    {
        await Call("DeleteFeatureService", new DeleteFeatureServiceRequest { Name = "driver_activity_v1", Project = "loop", Commit = true });
        await Call("DeleteFeatureView", new DeleteFeatureViewRequest { Name = "transformed_conv_rate", Project = "loop" });

        var (service, serviceClass, _) = await _server.FailAsync("GetFeatureService",
            new GetFeatureServiceRequest { Name = "driver_activity_v1", Project = "loop" }, P.FeatureService.Parser);
        var (view, _, _) = await _server.FailAsync("GetOnDemandFeatureView",
            new GetOnDemandFeatureViewRequest { Name = "transformed_conv_rate", Project = "loop" }, P.OnDemandFeatureView.Parser);
        var (again, againClass, _) = await _server.FailAsync("DeleteFeatureView",
            new DeleteFeatureViewRequest { Name = "transformed_conv_rate", Project = "loop" }, Empty.Parser);

        Assert.Equal(StatusCode.NotFound, service);
        Assert.Equal("FeatureServiceNotFoundException", serviceClass);
        Assert.Equal(StatusCode.NotFound, view);
        Assert.Equal(StatusCode.NotFound, again);
        Assert.Equal("FeatureViewNotFoundException", againClass);
    }

    [Fact]
    public async Task DeleteEntity_InUse_IsRefused_AndKept()
    {
        var (code, _, message) = await _server.FailAsync("DeleteEntity", new DeleteEntityRequest { Name = "driver", Project = "loop" }, Empty.Parser);

        Assert.Equal(StatusCode.FailedPrecondition, code);
        Assert.Contains("driver_hourly_stats", message);
        await _server.CallAsync("GetEntity", new GetEntityRequest { Name = "driver", Project = "loop" }, P.Entity.Parser);
    }

    [Fact]
    public async Task Writes_ToAnotherProject_CreateItCheckedAgainstItsOwnObjects_AndLeaveTheServedOneAlone()
    {
        var before = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);
        var source = new FileSource("data/rides.parquet", "event_timestamp", name: "rides");
        var view = new FeatureView("rider_stats", source, [Rider], TimeSpan.FromDays(1), [new Field("trips", FeastType.Int64)]);

        // The served project's driver entity is not the other project's: a view naming it there is refused.
        var driverView = new FeatureView("driver_view", source, [ServerRepo.Driver], TimeSpan.FromDays(1), [new Field("trips", FeastType.Int64)]);
        await Call("ApplyEntity", new ApplyEntityRequest { Entity = Message(Rider, P.Entity.Parser), Project = "other" });
        await Call("ApplyDataSource", new ApplyDataSourceRequest { DataSource = Message(source, P.DataSource.Parser), Project = "other" });
        var (refused, _, refusal) = await _server.FailAsync("ApplyFeatureView",
            new ApplyFeatureViewRequest { FeatureView = Message(driverView, P.FeatureView.Parser), Project = "other" }, Empty.Parser);
        await Call("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message(view, P.FeatureView.Parser), Project = "other" });
        var (deleteMissing, _, _) = await _server.FailAsync("DeleteEntity", new DeleteEntityRequest { Name = "driver", Project = "other" }, Empty.Parser);
        var (inUse, _, _) = await _server.FailAsync("DeleteEntity", new DeleteEntityRequest { Name = "rider", Project = "other" }, Empty.Parser);
        await Call("ApplyProject", new ApplyProjectRequest { Project = Message(new Project("other", description: "the other team"), P.Project.Parser) });

        var project = await _server.CallAsync("GetProject", new GetProjectRequest { Name = "other" }, P.Project.Parser);
        var entities = await _server.CallAsync("ListEntities", new ListEntitiesRequest { Project = "other" }, ListEntitiesResponse.Parser);
        var read = await _server.CallAsync("GetFeatureView", new GetFeatureViewRequest { Name = "rider_stats", Project = "other" }, P.FeatureView.Parser);
        var after = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);

        Assert.Equal(StatusCode.InvalidArgument, refused);
        Assert.Contains("'driver'", refusal, StringComparison.Ordinal);
        Assert.Contains("'other'", refusal, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, deleteMissing);
        Assert.Equal(StatusCode.FailedPrecondition, inUse);
        Assert.Equal("the other team", project.Spec.Description);
        Assert.Equal(["__dummy", "rider"], entities.Entities.Select(e => e.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Int64", read.Spec.EntityColumns.Single().ValueType.ToString());
#pragma warning disable CS0612 // Feast still writes project_metadata: the new project gets its own.
        Assert.Single(after.ProjectMetadata, m => m.Project == "other");
#pragma warning restore CS0612
        Assert.Equal(Served(before), Served(after));
        // Registry only: the server created no online table for the other project's view (the client does that).
        Assert.DoesNotContain("other_rider_stats", OnlineTables());
    }

    [Fact]
    public async Task RepoWrittenThroughTheServer_EqualsLocalApply_AfterNormalisingTimestampsAndOrder()
    {
        // The served repo's objects, sent one by one into a new project as a remote client's apply sends them.
        foreach (var obj in ServerRepo.Objects)
        {
            switch (obj)
            {
                case Project:
                    await Call("ApplyProject", new ApplyProjectRequest { Project = Message(new Project("copy"), P.Project.Parser) });
                    break;
                case Entity e:
                    await Call("ApplyEntity", new ApplyEntityRequest { Entity = Message(e, P.Entity.Parser), Project = "copy" });
                    break;
                case DataSource d:
                    await Call("ApplyDataSource", new ApplyDataSourceRequest { DataSource = Message(d, P.DataSource.Parser), Project = "copy" });
                    break;
                case FeatureView v:
                    await Call("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message(v, P.FeatureView.Parser), Project = "copy" });
                    break;
                case OnDemandFeatureView o:
                    await Call("ApplyFeatureView", new ApplyFeatureViewRequest { OnDemandFeatureView = Message(o, P.OnDemandFeatureView.Parser), Project = "copy" });
                    break;
                case FeatureService f:
                    await Call("ApplyFeatureService", new ApplyFeatureServiceRequest { FeatureService = Message(f, P.FeatureService.Parser), Project = "copy" });
                    break;
                default:
                    throw new InvalidOperationException($"No RPC for {obj.Kind}.");
            }
        }

        var registry = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);
        // Sources embedded in views name their project too: every project name becomes "p".
        static string Text(P.Registry r) => System.Text.RegularExpressions.Regex.Replace(
            JsonFormatter.Default.Format(r), "\"project\": \"(loop|copy)\"", "\"project\": \"p\"");
        Assert.Equal(Text(Normalised(registry, "loop")), Text(Normalised(registry, "copy")));
    }

    /// <summary>
    /// <paramref name="project"/>'s objects renamed to project "p", without timestamps, each kind sorted by name (a
    /// whole-repo apply writes in name order, object-by-object writes in call order).
    /// </summary>
    private static P.Registry Normalised(P.Registry registry, string project)
    {
        var copy = Served(registry, project);
        foreach (var e in copy.Entities) { e.Spec.Project = "p"; e.Meta = null; }
        foreach (var d in copy.DataSources) { d.Project = "p"; d.Meta = null; }
        foreach (var v in copy.FeatureViews) { v.Spec.Project = "p"; v.Meta = null; }
        foreach (var v in copy.OnDemandFeatureViews) { v.Spec.Project = "p"; v.Meta = null; }
        foreach (var f in copy.FeatureServices) { f.Spec.Project = "p"; f.Meta = null; }
        foreach (var p in copy.Projects) { p.Spec.Name = "p"; p.Meta = null; }
        static void Sort<T>(Google.Protobuf.Collections.RepeatedField<T> list, Func<T, string> key)
        {
            var sorted = list.OrderBy(key, StringComparer.Ordinal).ToList();
            list.Clear();
            list.Add(sorted);
        }
        Sort(copy.Entities, e => e.Spec.Name);
        Sort(copy.DataSources, d => d.Name);
        Sort(copy.FeatureViews, v => v.Spec.Name);
        Sort(copy.OnDemandFeatureViews, v => v.Spec.Name);
        Sort(copy.FeatureServices, f => f.Spec.Name);
        return copy;
    }

    /// <summary>The served project's objects as stored (the registry stamp left out).</summary>
    private static P.Registry Served(P.Registry registry, string project = "loop")
    {
        var copy = new P.Registry();
        copy.Entities.Add(registry.Entities.Where(e => e.Spec.Project == project).Select(e => e.Clone()));
        copy.DataSources.Add(registry.DataSources.Where(d => d.Project == project).Select(d => d.Clone()));
        copy.FeatureViews.Add(registry.FeatureViews.Where(v => v.Spec.Project == project).Select(v => v.Clone()));
        copy.OnDemandFeatureViews.Add(registry.OnDemandFeatureViews.Where(v => v.Spec.Project == project).Select(v => v.Clone()));
        copy.FeatureServices.Add(registry.FeatureServices.Where(s => s.Spec.Project == project).Select(s => s.Clone()));
        copy.Projects.Add(registry.Projects.Where(p => p.Spec.Name == project).Select(p => p.Clone()));
        return copy;
    }

    /// <summary>The tables of the repo's SQLite online store.</summary>
    private List<string> OnlineTables()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_repo.PathOf("data/online.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        using var rows = command.ExecuteReader();
        var names = new List<string>();
        while (rows.Read()) names.Add(rows.GetString(0));
        return names;
    }

    [Fact]
    public async Task ApplyEntity_BadMessage_IsInvalidArgument()
    {
        var (code, _, message) = await _server.FailAsync("ApplyEntity", new ApplyEntityRequest { Entity = new P.Entity(), Project = "loop" }, Empty.Parser);

        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Contains("Entity", message);
    }

    [Fact]
    public async Task EightConcurrentApplyEntity_AllLand()
    {
        var names = Enumerable.Range(0, 8).Select(i => $"rider_{i}").ToList();

        await Task.WhenAll(names.Select(n => Call("ApplyEntity",
            new ApplyEntityRequest { Entity = Message(new Entity(n, [n + "_id"], ValueType.Int64), P.Entity.Parser), Project = "loop" })));

        var list = await _server.CallAsync("ListEntities", new ListEntitiesRequest { Project = "loop" }, ListEntitiesResponse.Parser);
        Assert.Equal(8, list.Entities.Count(e => e.Spec.Name.StartsWith("rider_", StringComparison.Ordinal)));
    }
}
