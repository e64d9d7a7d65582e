using Feast.Online;
using Feast.Protos.Serving;
using static Feast.DuckDb.Tests.T;
using static Feast.DuckDb.Tests.Online.OnlineLoop;

namespace Feast.DuckDb.Tests.Online;

public class OnlineReadTests
{
    private static async Task<OnlineLoop> MaterializedAsync(string extraYaml = "")
    {
        var loop = await CreateAsync(extraYaml);
        await loop.Store.MaterializeAsync(T0.AddDays(-3), Now, ["driver_hourly_stats"]);
        return loop;
    }

    private static OnlineFeaturesRequest Request(IReadOnlyList<string> features, params (string Column, object?[] Values)[] entities) =>
        new(entities.ToDictionary(e => e.Column, e => (IReadOnlyList<object?>)e.Values)) { Features = features };

    [Fact]
    public async Task FullFeatureNames_PrefixFeaturesButNotJoinKeys()
    {
        await using var loop = await MaterializedAsync();

        var response = await loop.Store.GetOnlineFeaturesAsync(Request(["driver_hourly_stats:conv_rate"], ("driver_id", [1001L])) with { FullFeatureNames = true });

        Assert.Equal(["driver_id", "driver_hourly_stats__conv_rate"], response.FeatureNames);
    }

    [Fact]
    public async Task FeatureService_WithOnDemandView_ComputesFromRequestData()
    {
        await using var loop = await MaterializedAsync();

        var response = await loop.Store.GetOnlineFeaturesAsync(new OnlineFeaturesRequest(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [1001L, 9999L],
            ["val_to_add"] = [1000L, 1L],
            ["val_to_add_2"] = [2000L, 2L],
        }) { FeatureService = "driver_activity_v1" });

        // Join keys first, then the view's features, then on-demand outputs; request data is not echoed.
        Assert.Equal(["driver_id", "conv_rate", "conv_rate_plus_val1", "conv_rate_plus_val2"], response.FeatureNames);
        var columns = response.ToDictionary();
        Assert.Equal(1000 + (double)0.2f, (double)columns["conv_rate_plus_val1"][0]!, 9);
        Assert.Equal(2000 + (double)0.2f, (double)columns["conv_rate_plus_val2"][0]!, 9);
        Assert.Null(columns["conv_rate_plus_val1"][1]);
        Assert.Equal([FeatureStatus.Present, FeatureStatus.Present], response["conv_rate_plus_val1"].Statuses);
    }

    [Fact]
    public async Task OnDemandFeature_ByReference_DoesNotReturnItsInputs()
    {
        await using var loop = await MaterializedAsync();

        var response = await loop.Store.GetOnlineFeaturesAsync(Request(["transformed_conv_rate:conv_rate_plus_val1"],
            ("driver_id", [1002L]), ("val_to_add", [1L]), ("val_to_add_2", [2L])));

        Assert.Equal(["driver_id", "conv_rate_plus_val1"], response.FeatureNames);
        Assert.Equal(1 + (double)0.4f, (double)response.Row(0)["conv_rate_plus_val1"]!, 9);
    }

    [Fact]
    public async Task OnDemandFeature_MissingRequestData_Names404Error()
    {
        await using var loop = await MaterializedAsync();

        var error = await Assert.ThrowsAsync<RequestDataNotFoundInEntityRowsException>(() =>
            loop.Store.GetOnlineFeaturesAsync(Request(["transformed_conv_rate:conv_rate_plus_val1"], ("driver_id", [1002L]), ("val_to_add", [1L]))));

        Assert.Equal(["val_to_add_2"], error.Missing);
        Assert.Contains("val_to_add_2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuplicateEntityRows_EachGetTheirAnswer()
    {
        await using var loop = await MaterializedAsync();

        var response = await loop.ReadAsync(["driver_hourly_stats:conv_rate"], 1002, 1001, 1002);

        Assert.Equal([0.4f, 0.2f, 0.4f], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task EntityName_InsteadOfJoinKey_IsAccepted()
    {
        await using var loop = await MaterializedAsync();

        var response = await loop.Store.GetOnlineFeaturesAsync(Request(["driver_hourly_stats:conv_rate"], ("driver", [1001L])));

        Assert.Equal([0.2f], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task JoinKeyGivenAsText_IsConvertedToItsDeclaredType()
    {
        await using var loop = await MaterializedAsync();

        var response = await loop.Store.GetOnlineFeaturesAsync(Request(["driver_hourly_stats:conv_rate"], ("driver_id", ["1001"])));

        Assert.Equal([1001L], response.ToDictionary()["driver_id"]);
        Assert.Equal([0.2f], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task MissingJoinKey_SaysWhichAndWhatWasGiven()
    {
        await using var loop = await MaterializedAsync();

        var error = await Assert.ThrowsAsync<EntityKeyMissingException>(() =>
            loop.Store.GetOnlineFeaturesAsync(Request(["driver_hourly_stats:conv_rate"], ("customer_id", [1L]))));

        Assert.Contains("'driver_id'", error.Message, StringComparison.Ordinal);
        Assert.Contains("customer_id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadJoinKeyValue_NamesTheColumnAndValue()
    {
        await using var loop = await MaterializedAsync();

        var error = await Assert.ThrowsAsync<FeastValidationException>(() =>
            loop.Store.GetOnlineFeaturesAsync(Request(["driver_hourly_stats:conv_rate"], ("driver_id", ["abc"]))));

        Assert.Contains("driver_id", error.Message, StringComparison.Ordinal);
        Assert.Contains("abc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ColumnsOfDifferentLengths_AreRejected()
    {
        await using var loop = await MaterializedAsync();

        var error = await Assert.ThrowsAsync<FeastValidationException>(() =>
            loop.Store.GetOnlineFeaturesAsync(Request(["transformed_conv_rate:conv_rate_plus_val1"], ("driver_id", [1L, 2L]), ("val_to_add", [1L]), ("val_to_add_2", [1L]))));

        Assert.Contains("one value per row", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownViewAndFeature_AreErrors()
    {
        await using var loop = await MaterializedAsync();

        await Assert.ThrowsAsync<FeatureViewNotFoundException>(() => loop.ReadAsync(["nope:conv_rate"], 1001));
        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.ReadAsync(["driver_hourly_stats:nope"], 1001));
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FeatureServiceNotFoundException>(() =>
            loop.Store.GetOnlineFeaturesAsync(new OnlineFeaturesRequest(new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1L] }) { FeatureService = "nope" }));
    }

    [Fact]
    public async Task NameCollision_WithoutFullNames_IsAnError()
    {
        await using var loop = await MaterializedAsync();

        await Assert.ThrowsAsync<FeatureNameCollisionException>(() =>
            loop.ReadAsync(["driver_hourly_stats:conv_rate", "driver_hourly_stats_fresh:conv_rate"], 1001));
    }

    [Fact]
    public async Task EnforceTtl_ReportsOldValuesOutsideMaxAge()
    {
        await using var loop = await MaterializedAsync("  enforce_ttl: true");

        var response = await loop.ReadAsync(["driver_hourly_stats:conv_rate"], 1001, 1003);

        Assert.Equal([FeatureStatus.Present, FeatureStatus.OutsideMaxAge], response["conv_rate"].Statuses);
        Assert.Equal([0.2f, null], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task WithoutEnforceTtl_OldValuesArePresent_AsInPythonFeast()
    {
        await using var loop = await MaterializedAsync();

        var response = await loop.ReadAsync(["driver_hourly_stats:conv_rate"], 1003);

        Assert.Equal([FeatureStatus.Present], response["conv_rate"].Statuses);
    }

    [Fact]
    public async Task ReApply_WithNewFeature_IsServedAfterTheRegistryChanges()
    {
        await using var loop = await MaterializedAsync();
        await loop.ReadAsync(["driver_hourly_stats:conv_rate"], 1001);
        var wider = new FeatureView("driver_hourly_stats", Source, [DriverEntity], TimeSpan.FromDays(1),
            [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64),
             new Field("created", FeastType.UnixTimestamp)]);
        await loop.Store.ApplyAsync(new FeastObject[] { new Project("loop"), DriverEntity, Source, Push, wider, Fresh, OnlineLoop.Request, Transformed, ServiceV1 });

        var response = await loop.ReadAsync(["driver_hourly_stats:created", "driver_hourly_stats:conv_rate"], 1001);

        // The new feature was never materialized: NOT_FOUND, while the old one is still there.
        Assert.Equal([FeatureStatus.NotFound], response["created"].Statuses);
        Assert.Equal([0.2f], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task Accessors_RowsFloatArrayAndProto()
    {
        await using var loop = await MaterializedAsync();

        var response = await loop.ReadAsync(["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"], 1001, 9999);

        Assert.Equal(1001L, response.Row(0)["driver_id"]);
        var floats = response.ToFloatArray();
        Assert.Equal(0.2f, floats[0]);
        Assert.Equal(20f, floats[1]);
        Assert.True(float.IsNaN(floats[2]));
        Assert.Equal(2, response.Rows().Count());
        var proto = response.ToProto();
        Assert.Equal(["driver_id", "conv_rate", "avg_daily_trips"], proto.Metadata.FeatureNames.Val);
        Assert.Equal(3, proto.Results.Count);
        Assert.Equal(FieldStatus.NotFound, proto.Results[1].Statuses[1]);
        Assert.Throws<KeyNotFoundException>(() => response["nope"]);
    }
}
