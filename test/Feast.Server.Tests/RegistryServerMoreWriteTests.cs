using Feast.DuckDb;
using Feast.Protos.Registry;
using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests;

/// <summary>
/// The rest of <c>feast.registry.RegistryServer</c>'s writes over real gRPC on loopback (saved datasets, validation
/// references, DeleteProject, ApplyMaterialization, UpdateInfra, Commit), the server's limits (message size, blank
/// names) and plug-in source kinds, against the repo of <see cref="RegistryServerTests"/> (project loop).
/// </summary>
public sealed class RegistryServerMoreWriteTests : IAsyncLifetime
{
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

    private Task<Empty> Call<TRequest>(string rpc, TRequest request) where TRequest : class, IMessage<TRequest> =>
        _server.CallAsync(rpc, request, Empty.Parser);

    private Task<(StatusCode Code, string Class, string Message)> Fail<TRequest>(string rpc, TRequest request) where TRequest : class, IMessage<TRequest> =>
        _server.FailAsync(rpc, request, Empty.Parser);

    private static P.SavedDataset Dataset(string name, string description = "") => new()
    {
        Spec = new P.SavedDatasetSpec
        {
            Name = name,
            Features = { "driver_hourly_stats:conv_rate" },
            JoinKeys = { "driver_id" },
            FullFeatureNames = true,
            Storage = new P.SavedDatasetStorage { FileStorage = new P.DataSource.Types.FileOptions { Uri = "data/saved.parquet" } },
            Tags = { ["team"] = "ml" },
            FeatureServiceName = "driver_activity_v1",
            Description = description,
        },
    };

    private static P.ValidationReference Reference(string name, string dataset) => new()
    {
        Name = name,
        ReferenceDatasetName = dataset,
        Description = "the reference",
        Tags = { ["team"] = "ml" },
        GeProfiler = new P.GEValidationProfiler { Profiler = new P.GEValidationProfiler.Types.UserDefinedProfiler { Body = ByteString.CopyFromUtf8("pickled") } },
    };

    [Fact]
    public async Task SavedDataset_Applied_IsAnsweredAsGiven_UpdatedKeepsItsCreationTime_ThenDeleted()
    {
        await Call("ApplySavedDataset", new ApplySavedDatasetRequest { SavedDataset = Dataset("my_training_set"), Project = "loop", Commit = true });
        var first = await _server.CallAsync("GetSavedDataset", new GetSavedDatasetRequest { Name = "my_training_set", Project = "loop" }, P.SavedDataset.Parser);
        _repo.Clock.Advance(TimeSpan.FromMinutes(5));
        await Call("ApplySavedDataset", new ApplySavedDatasetRequest { SavedDataset = Dataset("my_training_set", "changed"), Project = "loop" });
        var second = await _server.CallAsync("GetSavedDataset", new GetSavedDatasetRequest { Name = "my_training_set", Project = "loop" }, P.SavedDataset.Parser);
        var list = await _server.CallAsync("ListSavedDatasets", new ListSavedDatasetsRequest { Project = "loop" }, ListSavedDatasetsResponse.Parser);

        var expected = Dataset("my_training_set").Spec;
        expected.Project = "loop";
        Assert.Equal(expected, first.Spec);
        Assert.Equal(ServerRepo.Now, first.Meta.CreatedTimestamp.ToDateTimeOffset());
        Assert.Equal("changed", second.Spec.Description);
        Assert.Equal(first.Meta.CreatedTimestamp, second.Meta.CreatedTimestamp);
        Assert.Equal(ServerRepo.Now.AddMinutes(5), second.Meta.LastUpdatedTimestamp.ToDateTimeOffset());
        Assert.Equal(second, Assert.Single(list.SavedDatasets));

        await Call("DeleteSavedDataset", new DeleteSavedDatasetRequest { Name = "my_training_set", Project = "loop", Commit = true });
        var (get, getClass, getMessage) = await _server.FailAsync("GetSavedDataset", new GetSavedDatasetRequest { Name = "my_training_set", Project = "loop" }, P.SavedDataset.Parser);
        var (again, againClass, againMessage) = await Fail("DeleteSavedDataset", new DeleteSavedDatasetRequest { Name = "my_training_set", Project = "loop" });

        Assert.Equal((StatusCode.NotFound, "SavedDatasetNotFound"), (get, getClass));
        Assert.Equal((StatusCode.NotFound, "SavedDatasetNotFound"), (again, againClass));
        Assert.Equal("Saved dataset my_training_set does not exist in project loop", againMessage);
        Assert.Equal(getMessage, againMessage);
    }

    [Fact]
    public async Task ValidationReference_Applied_IsAnsweredExactlyAsGiven_AndHoldsItsDataset()
    {
        await Call("ApplySavedDataset", new ApplySavedDatasetRequest { SavedDataset = Dataset("my_training_set"), Project = "loop" });
        await Call("ApplyValidationReference", new ApplyValidationReferenceRequest { ValidationReference = Reference("my_reference", "my_training_set"), Project = "loop" });

        var read = await _server.CallAsync("GetValidationReference", new GetValidationReferenceRequest { Name = "my_reference", Project = "loop" }, P.ValidationReference.Parser);
        var (inUse, _, inUseMessage) = await Fail("DeleteSavedDataset", new DeleteSavedDatasetRequest { Name = "my_training_set", Project = "loop" });
        await Call("DeleteValidationReference", new DeleteValidationReferenceRequest { Name = "my_reference", Project = "loop" });
        var (gone, goneClass, _) = await _server.FailAsync("GetValidationReference", new GetValidationReferenceRequest { Name = "my_reference", Project = "loop" }, P.ValidationReference.Parser);
        var (again, againClass, againMessage) = await Fail("DeleteValidationReference", new DeleteValidationReferenceRequest { Name = "my_reference", Project = "loop" });
        await Call("DeleteSavedDataset", new DeleteSavedDatasetRequest { Name = "my_training_set", Project = "loop" });

        var expected = Reference("my_reference", "my_training_set");
        expected.Project = "loop";
        Assert.Equal(expected, read);
        Assert.Equal(StatusCode.FailedPrecondition, inUse);
        Assert.Contains("my_reference", inUseMessage, StringComparison.Ordinal);
        Assert.Equal((StatusCode.NotFound, "ValidationReferenceNotFound"), (gone, goneClass));
        Assert.Equal((StatusCode.NotFound, "ValidationReferenceNotFound"), (again, againClass));
        Assert.Equal("Validation reference my_reference does not exist in project loop", againMessage);
    }

    [Fact]
    public async Task DeleteProject_RemovesTheProjectAndAllItHolds_AndNothingElse()
    {
        var rider = new Entity("rider", ["rider_id"], ValueType.Int64);
        var source = new FileSource("data/rides.parquet", "event_timestamp", name: "rides");
        var view = new FeatureView("rider_stats", source, [rider], TimeSpan.FromDays(1), [new Field("trips", FeastType.Int64)]);
        await Call("ApplyEntity", new ApplyEntityRequest { Entity = Message(rider, P.Entity.Parser), Project = "other" });
        await Call("ApplyDataSource", new ApplyDataSourceRequest { DataSource = Message(source, P.DataSource.Parser), Project = "other" });
        await Call("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message(view, P.FeatureView.Parser), Project = "other" });
        await Call("ApplyFeatureService", new ApplyFeatureServiceRequest { FeatureService = Message(new FeatureService("rider_service", [view]), P.FeatureService.Parser), Project = "other" });
        await Call("ApplyPermission", new ApplyPermissionRequest { Permission = Message(new Permission("readers", actions: [AuthzedAction.Describe]), P.Permission.Parser), Project = "other" });
        await Call("ApplySavedDataset", new ApplySavedDatasetRequest { SavedDataset = Dataset("rider_set"), Project = "other" });
        await Call("ApplyValidationReference", new ApplyValidationReferenceRequest { ValidationReference = Reference("rider_reference", "rider_set"), Project = "other" });
        var before = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);

        await Call("DeleteProject", new DeleteProjectRequest { Name = "other", Commit = true });

        var after = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);
        var (project, projectClass, message) = await _server.FailAsync("GetProject", new GetProjectRequest { Name = "other" }, P.Project.Parser);
        var (again, againClass, _) = await Fail("DeleteProject", new DeleteProjectRequest { Name = "other" });
        var (blank, _, _) = await Fail("DeleteProject", new DeleteProjectRequest { Name = " " });

        Assert.Equal((StatusCode.NotFound, "ProjectObjectNotFoundException", "Project other does not exist"), (project, projectClass, message));
        Assert.Equal((StatusCode.NotFound, "ProjectObjectNotFoundException"), (again, againClass));
        Assert.Equal(StatusCode.InvalidArgument, blank);
        Assert.Equal(WithoutStamp(Only(before, "loop")), WithoutStamp(after));
    }

    [Fact]
    public async Task ApplyMaterialization_AppendsTheIntervalToTheView()
    {
        var start = ServerRepo.T0;
        var end = ServerRepo.T0.AddHours(3);
        var before = await _server.CallAsync("GetFeatureView", new GetFeatureViewRequest { Name = "driver_hourly_stats", Project = "loop" }, P.FeatureView.Parser);
        _repo.Clock.Advance(TimeSpan.FromMinutes(1));

        await Call("ApplyMaterialization", new ApplyMaterializationRequest
        {
            FeatureView = before, Project = "loop", StartDate = Timestamp.FromDateTimeOffset(start), EndDate = Timestamp.FromDateTimeOffset(end), Commit = true,
        });

        var after = await _server.CallAsync("GetFeatureView", new GetFeatureViewRequest { Name = "driver_hourly_stats", Project = "loop" }, P.FeatureView.Parser);
        var snapshot = await _repo.Store.GetRegistryAsync(allowCache: false);
        var (missing, missingClass, _) = await Fail("ApplyMaterialization", new ApplyMaterializationRequest
        {
            FeatureView = new P.FeatureView { Spec = new P.FeatureViewSpec { Name = "no_such_view" } }, Project = "loop",
            StartDate = Timestamp.FromDateTimeOffset(start), EndDate = Timestamp.FromDateTimeOffset(end),
        });
        var (noDates, _, _) = await Fail("ApplyMaterialization", new ApplyMaterializationRequest { FeatureView = before, Project = "loop" });
        var (noView, _, _) = await Fail("ApplyMaterialization", new ApplyMaterializationRequest
        {
            Project = "loop", StartDate = Timestamp.FromDateTimeOffset(start), EndDate = Timestamp.FromDateTimeOffset(end),
        });

        var interval = Assert.Single(after.Meta.MaterializationIntervals.Skip(before.Meta.MaterializationIntervals.Count));
        Assert.Equal((start, end), (interval.StartTime.ToDateTimeOffset(), interval.EndTime.ToDateTimeOffset()));
        Assert.Equal(ServerRepo.Now.AddMinutes(1), after.Meta.LastUpdatedTimestamp.ToDateTimeOffset());
        Assert.Equal(before.Spec, after.Spec);
        Assert.Equal(end, snapshot.FeatureViews["driver_hourly_stats"].MaterializationIntervals.Max(i => i.End));
        Assert.Equal((StatusCode.NotFound, "FeatureViewNotFoundException"), (missing, missingClass));
        Assert.Equal(StatusCode.InvalidArgument, noDates);
        Assert.Equal(StatusCode.InvalidArgument, noView);
    }

    [Fact]
    public async Task UpdateInfra_IsWhatGetInfraAnswers_AndCreatesANewProject_CommitIsANoOp()
    {
        var infra = new P.Infra
        {
            InfraObjects =
            {
                new P.InfraObject { InfraObjectClassType = "feast.infra.online_stores.sqlite.SqliteTable", SqliteTable = new P.SqliteTable { Path = "/tmp/online.db", Name = "fresh_rider_stats" } },
            },
        };
        var before = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);

        await Call("UpdateInfra", new UpdateInfraRequest { Infra = infra, Project = "fresh", Commit = true });
        var read = await _server.CallAsync("GetInfra", new GetInfraRequest { Project = "fresh" }, P.Infra.Parser);
        var project = await _server.CallAsync("GetProject", new GetProjectRequest { Name = "fresh" }, P.Project.Parser);
        var stamped = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);
        await Call("Commit", new Empty());
        var committed = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);

        Assert.Equal(infra, read);
        Assert.Equal(ServerRepo.Now, project.Meta.CreatedTimestamp.ToDateTimeOffset());
        Assert.Equal(WithoutStamp(Only(before, "loop")), WithoutStamp(Only(stamped, "loop")));
        Assert.Equal(stamped, committed);
    }

    [Fact]
    public async Task OversizedMessage_IsResourceExhausted_AndWritesNothing()
    {
        var big = new Entity("big", ["big_id"], ValueType.Int64, description: new string('x', RegistryServerExtensions.MaxReceiveMessageBytes));
        var justUnder = new Entity("fits", ["fits_id"], ValueType.Int64, description: new string('x', RegistryServerExtensions.MaxReceiveMessageBytes - 1024));

        var e = await Assert.ThrowsAsync<RpcException>(() => Call("ApplyEntity", new ApplyEntityRequest { Entity = Message(big, P.Entity.Parser), Project = "loop" }));
        await Call("ApplyEntity", new ApplyEntityRequest { Entity = Message(justUnder, P.Entity.Parser), Project = "loop" });

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("maximum", e.Status.Detail, StringComparison.OrdinalIgnoreCase);
        var snapshot = await _repo.Store.GetRegistryAsync(allowCache: false);
        Assert.DoesNotContain("big", snapshot.Entities.Keys);
        Assert.Contains("fits", snapshot.Entities.Keys);
    }

    [Fact]
    public async Task BlankNames_AreInvalidArgument()
    {
        var blankEntity = new P.Entity { Spec = new P.EntitySpecV2 { Name = "  ", JoinKey = "id", ValueType = Feast.Protos.Types.ValueType.Types.Enum.Int64 } };
        var blankDataset = Dataset(" ");
        var cases = new List<(string Rpc, StatusCode Code)>
        {
            ("ApplyEntity", (await Fail("ApplyEntity", new ApplyEntityRequest { Entity = blankEntity, Project = "loop" })).Code),
            ("ApplyEntity project", (await Fail("ApplyEntity", new ApplyEntityRequest { Entity = Message(new Entity("ok", ["ok_id"], ValueType.Int64), P.Entity.Parser), Project = " " })).Code),
            ("DeleteEntity", (await Fail("DeleteEntity", new DeleteEntityRequest { Name = "", Project = "loop" })).Code),
            ("DeleteFeatureView", (await Fail("DeleteFeatureView", new DeleteFeatureViewRequest { Name = "\t", Project = "loop" })).Code),
            ("ApplySavedDataset", (await Fail("ApplySavedDataset", new ApplySavedDatasetRequest { SavedDataset = blankDataset, Project = "loop" })).Code),
            ("ApplySavedDataset none", (await Fail("ApplySavedDataset", new ApplySavedDatasetRequest { Project = "loop" })).Code),
            ("ApplyValidationReference", (await Fail("ApplyValidationReference", new ApplyValidationReferenceRequest { ValidationReference = Reference("", "x"), Project = "loop" })).Code),
            ("DeleteSavedDataset", (await Fail("DeleteSavedDataset", new DeleteSavedDatasetRequest { Name = " ", Project = "loop" })).Code),
            ("DeleteValidationReference", (await Fail("DeleteValidationReference", new DeleteValidationReferenceRequest { Name = "x", Project = "" })).Code),
            ("UpdateInfra", (await Fail("UpdateInfra", new UpdateInfraRequest { Infra = new P.Infra(), Project = " " })).Code),
        };

        Assert.All(cases, c => Assert.True(c.Code == StatusCode.InvalidArgument, $"{c.Rpc}: {c.Code}"));
        var snapshot = await _repo.Store.GetRegistryAsync(allowCache: false);
        Assert.Equal(["loop"], snapshot.Projects.Keys);
    }

    [Fact]
    public async Task PluginSource_AppliedOverGrpc_IsReadWithItsBackend_KeepsItsKind_AndAViewOverItApplies()
    {
        // Read with the DuckDB backend, a DuckDB source is checked as that backend checks it (not stored as opaque bytes).
        var bad = new P.DataSource
        {
            Name = "bad_table", Type = P.DataSource.Types.SourceType.CustomSource, DataSourceClassType = DuckDbSource.FeastClassType,
            TimestampField = "event_timestamp",
            CustomOptions = new P.DataSource.Types.CustomSourceOptions
            {
                Configuration = ByteString.CopyFromUtf8("""{"name": "bad_table", "query": "", "table": "rides", "database": ""}"""),
            },
        };
        var (refused, _, refusal) = await Fail("ApplyDataSource", new ApplyDataSourceRequest { DataSource = bad, Project = "loop" });
        Assert.Equal(StatusCode.InvalidArgument, refused);
        Assert.Contains("no database", refusal, StringComparison.Ordinal);

        var source = new DuckDbSource("rides_table", table: "rides", database: "data/rides.duckdb", timestampField: "event_timestamp");
        var view = new FeatureView("rides_view", source, [ServerRepo.Driver], TimeSpan.FromDays(1), [new Field("trips", FeastType.Int64)]);

        await Call("ApplyDataSource", new ApplyDataSourceRequest { DataSource = Message(source, P.DataSource.Parser), Project = "loop" });
        await Call("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message(view, P.FeatureView.Parser), Project = "loop" });
        await Call("ApplyDataSource", new ApplyDataSourceRequest { DataSource = Message(source, P.DataSource.Parser), Project = "loop" });

        var read = await _server.CallAsync("GetDataSource", new GetDataSourceRequest { Name = "rides_table", Project = "loop" }, P.DataSource.Parser);
        var snapshot = await _repo.Store.GetRegistryAsync(allowCache: false);
        Assert.Equal(DuckDbSource.FeastClassType, read.DataSourceClassType);
        Assert.Equal(source, Assert.IsType<DuckDbSource>(snapshot.DataSources["rides_table"]));
        Assert.IsType<DuckDbSource>(snapshot.FeatureViews["rides_view"].BatchSource);
    }

    private static T Message<T>(FeastObject obj, MessageParser<T> parser) where T : IMessage<T>, new() =>
        JsonParser.Default.Parse<T>(FeastObjectJson.Format(obj, "loop"));

    /// <summary>The registry with only <paramref name="project"/>'s objects.</summary>
    private static P.Registry Only(P.Registry registry, string project)
    {
        var copy = registry.Clone();
        copy.Entities.Clear();
        copy.Entities.Add(registry.Entities.Where(e => e.Spec.Project == project));
        copy.DataSources.Clear();
        copy.DataSources.Add(registry.DataSources.Where(d => d.Project == project));
        copy.FeatureViews.Clear();
        copy.FeatureViews.Add(registry.FeatureViews.Where(v => v.Spec.Project == project));
        copy.OnDemandFeatureViews.Clear();
        copy.OnDemandFeatureViews.Add(registry.OnDemandFeatureViews.Where(v => v.Spec.Project == project));
        copy.FeatureServices.Clear();
        copy.FeatureServices.Add(registry.FeatureServices.Where(s => s.Spec.Project == project));
        copy.Permissions.Clear();
        copy.Permissions.Add(registry.Permissions.Where(p => p.Spec.Project == project));
        copy.SavedDatasets.Clear();
        copy.SavedDatasets.Add(registry.SavedDatasets.Where(d => d.Spec.Project == project));
        copy.ValidationReferences.Clear();
        copy.ValidationReferences.Add(registry.ValidationReferences.Where(r => r.Project == project));
        copy.Projects.Clear();
        copy.Projects.Add(registry.Projects.Where(p => p.Spec.Name == project));
#pragma warning disable CS0612 // Feast still writes project_metadata.
        copy.ProjectMetadata.Clear();
        copy.ProjectMetadata.Add(registry.ProjectMetadata.Where(m => m.Project == project));
#pragma warning restore CS0612
        copy.Infra = null;
        return copy;
    }

    private static P.Registry WithoutStamp(P.Registry registry)
    {
        var copy = registry.Clone();
        copy.VersionId = "";
        copy.LastUpdated = null;
        copy.Infra = null;
        return copy;
    }
}
