using Feast.Protos.Registry;
using Feast.Registry;
using Feast.Server.RegistryServer;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests;

/// <summary>
/// The registry server keeps each <c>List*</c> answer serialised for the registry it was built from, and takes the
/// registry each write stored instead of reading it again: a list or <c>Proto</c> after a write is never stale, a list
/// with other tags or another page is not mixed up with a kept one, and lists built at once are bounded.
/// </summary>
public sealed class RegistryServerListCacheTests : IAsyncLifetime
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

    private static P.FeatureView Message(FeatureView view) => JsonParser.Default.Parse<P.FeatureView>(FeastObjectJson.Format(view, "loop"));

    private static FeatureView View(string name, Dictionary<string, string>? tags = null) =>
        new(name, ServerRepo.Source, [ServerRepo.Driver],
            TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32)], tags: tags);

    private async Task<List<string>> ListViewsAsync(bool allowCache = true, Dictionary<string, string>? tags = null, int page = 0, int limit = 0)
    {
        var request = new ListFeatureViewsRequest { Project = "loop", AllowCache = allowCache };
        if (tags is not null) request.Tags.Add(tags);
        if (limit > 0) request.Pagination = new PaginationParams { Page = page, Limit = limit };
        var answer = await _server.CallAsync("ListFeatureViews", request, ListFeatureViewsResponse.Parser);
        return [.. answer.FeatureViews.Select(v => v.Spec.Name).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task CachedList_AfterApplyAndDelete_AnswersTheWrite()
    {
        var before = await ListViewsAsync();
        Assert.Equal(before, await ListViewsAsync()); // kept answer
        Assert.DoesNotContain("cached_view", before);

        await _server.CallAsync("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message(View("cached_view")), Project = "loop" }, Empty.Parser);
        var afterApply = await ListViewsAsync();
        Assert.Equal([.. before, "cached_view"], afterApply.Order(StringComparer.Ordinal).Where(n => before.Contains(n) || n == "cached_view").OrderBy(n => n != "cached_view" ? 0 : 1));
        var proto = await _server.CallAsync("Proto", new Empty(), P.Registry.Parser);
        Assert.Contains(proto.FeatureViews, v => v.Spec.Name == "cached_view");

        await _server.CallAsync("DeleteFeatureView", new DeleteFeatureViewRequest { Name = "cached_view", Project = "loop" }, Empty.Parser);
        Assert.Equal(before, await ListViewsAsync());
        Assert.DoesNotContain((await _server.CallAsync("Proto", new Empty(), P.Registry.Parser)).FeatureViews, v => v.Spec.Name == "cached_view");
    }

    [Fact]
    public async Task CachedList_AfterMaterializationRecorded_AnswersTheNewInterval()
    {
        var request = new ListFeatureViewsRequest { Project = "loop", AllowCache = true };
        const string name = "driver_hourly_stats";
        int Intervals(ListFeatureViewsResponse r) => r.FeatureViews.Single(v => v.Spec.Name == name).Meta?.MaterializationIntervals.Count ?? 0;
        var before = Intervals(await _server.CallAsync("ListFeatureViews", request, ListFeatureViewsResponse.Parser));

        await _server.CallAsync("ApplyMaterialization", new ApplyMaterializationRequest
        {
            Project = "loop",
            FeatureView = new P.FeatureView { Spec = new P.FeatureViewSpec { Name = name, Project = "loop" } },
            StartDate = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch),
            EndDate = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddDays(1)),
        }, Empty.Parser);

        Assert.Equal(before + 1, Intervals(await _server.CallAsync("ListFeatureViews", request, ListFeatureViewsResponse.Parser)));
    }

    [Fact]
    public async Task KeptAnswers_AreKeyedByTagsAndPage()
    {
        var team = new Dictionary<string, string> { ["team"] = "cache" };
        await _server.CallAsync("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message(View("tagged_a", team)), Project = "loop" }, Empty.Parser);
        await _server.CallAsync("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message(View("tagged_b", team)), Project = "loop" }, Empty.Parser);

        var all = await ListViewsAsync();
        Assert.Equal(["tagged_a", "tagged_b"], await ListViewsAsync(tags: team));
        Assert.Empty(await ListViewsAsync(tags: new Dictionary<string, string> { ["team"] = "other" }));
        var first = await ListViewsAsync(page: 1, limit: 1);
        var second = await ListViewsAsync(page: 2, limit: 1);
        Assert.Single(first);
        Assert.Single(second);
        Assert.NotEqual(first, second);
        Assert.Equal(all, await ListViewsAsync());
        Assert.Equal(all, await ListViewsAsync(allowCache: false));
    }

    [Fact]
    public void Key_TellsApartListsWhoseFieldsRunTogether()
    {
        var none = new Google.Protobuf.Collections.MapField<string, string>();
        var tags = new Google.Protobuf.Collections.MapField<string, string> { ["a"] = "b" };
        var other = new Google.Protobuf.Collections.MapField<string, string> { ["ab"] = "" };
        Assert.NotEqual(ListAnswers.Key("ListFeatureViews", "loop", tags, null, null), ListAnswers.Key("ListFeatureViews", "loop", other, null, null));
        Assert.NotEqual(ListAnswers.Key("ListFeatureViews", "loop", none, null, null), ListAnswers.Key("ListEntities", "loop", none, null, null));
        Assert.NotEqual(ListAnswers.Key("ListFeatureViews", "loop", none, new PaginationParams { Page = 1, Limit = 2 }, null),
            ListAnswers.Key("ListFeatureViews", "loop", none, new PaginationParams { Page = 2, Limit = 1 }, null));
    }

    [Fact]
    public async Task KeptAnswer_IsForThatRegistryOnly()
    {
        using var lists = new ListAnswers();
        var one = new P.Registry { VersionId = "1" };
        var two = new P.Registry { VersionId = "1" }; // equal content, another message: a reload or a write
        var built = 0;
        ListProjectsResponse Build() => new() { Projects = { new P.Project { Spec = new P.ProjectSpec { Name = $"p{++built}" } } } };

        var a = await lists.GetAsync(one, "k", keep: true, Build, CancellationToken.None);
        var b = await lists.GetAsync(one, "k", keep: true, Build, CancellationToken.None);
        var c = await lists.GetAsync(two, "k", keep: true, Build, CancellationToken.None);
        var d = await lists.GetAsync(two, "k", keep: false, Build, CancellationToken.None);

        Assert.Same(a, b);
        Assert.NotSame(a, c);
        Assert.NotSame(c, d);
        Assert.Equal(3, built);
        Assert.True(ListAnswers.TryGetBytes(a, out var bytes));
        Assert.Equal(a.ToByteArray(), bytes);
    }

    [Fact]
    public async Task BuildersAllBusy_AnswersResourceExhausted_ThenServesAgain()
    {
        using var lists = new ListAnswers(maxBuilding: 1, maxWait: TimeSpan.FromMilliseconds(100));
        var registry = new P.Registry();
        using var release = new ManualResetEventSlim();
        using var started = new SemaphoreSlim(0);
        var slow = Task.Run(() => lists.GetAsync(registry, "slow", keep: false, () =>
        {
            started.Release();
            release.Wait(TimeSpan.FromSeconds(30));
            return new ListProjectsResponse();
        }, CancellationToken.None));
        Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(30)));

        var refused = await Assert.ThrowsAsync<RpcException>(() => lists.GetAsync(registry, "other", keep: false, () => new ListProjectsResponse(), CancellationToken.None));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("busy", refused.Status.Detail, StringComparison.Ordinal);

        release.Set();
        await slow;
        Assert.NotNull(await lists.GetAsync(registry, "other", keep: false, () => new ListProjectsResponse(), CancellationToken.None));
    }
}
