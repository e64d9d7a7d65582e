using Feast.Registry;

namespace Feast.Tests.Registry;

/// <summary>A registry assembled byte by byte from Feast's field numbers (FEAST-FORMATS.md §1) loads into the model.</summary>
public class HandBuiltRegistryTests
{
    private static byte[] Timestamp(long seconds) => Wire.VarintField(1, seconds);

    [Fact]
    public async Task FileRegistryStore_RegistryBuiltFromFeastFieldNumbers_LoadsEveryObject()
    {
        var entitySpec = Wire.Concat(Wire.StringField(1, "driver"), Wire.VarintField(2, 4), Wire.StringField(3, "A driver"),
            Wire.StringField(4, "driver_id"), Wire.StringField(9, "p"));
        var entity = Wire.Concat(Wire.BytesField(1, entitySpec), Wire.BytesField(2, Wire.BytesField(1, Timestamp(1_700_000_000))));

        var fileOptions = Wire.Concat(Wire.BytesField(1, Wire.BytesField(1, [])), Wire.StringField(2, "data/driver_stats.parquet"));
        var source = Wire.Concat(Wire.VarintField(1, 1), Wire.BytesField(2, Wire.Concat(Wire.StringField(1, "src_id"), Wire.StringField(2, "driver_id"))),
            Wire.StringField(3, "event_timestamp"), Wire.StringField(5, "created"), Wire.BytesField(11, fileOptions),
            Wire.StringField(20, "driver_stats_source"), Wire.StringField(21, "p"));
        var feature = Wire.Concat(Wire.StringField(1, "conv_rate"), Wire.VarintField(2, 6), Wire.StringField(4, "Conversion rate"));
        var joinKey = Wire.Concat(Wire.StringField(1, "driver_id"), Wire.VarintField(2, 4));
        var viewSpec = Wire.Concat(Wire.StringField(1, "driver_hourly_stats"), Wire.StringField(2, "p"), Wire.StringField(3, "driver"),
            Wire.BytesField(4, feature), Wire.BytesField(5, Wire.Concat(Wire.StringField(1, "team"), Wire.StringField(2, "ml"))),
            Wire.BytesField(6, Wire.VarintField(1, 7200)), Wire.BytesField(7, source), Wire.VarintField(8, 1), Wire.BytesField(12, joinKey));
        var interval = Wire.Concat(Wire.BytesField(1, Timestamp(1_700_000_000)), Wire.BytesField(2, Timestamp(1_700_003_600)));
        var viewMeta = Wire.Concat(Wire.BytesField(1, Timestamp(1_700_000_000)), Wire.BytesField(3, interval), Wire.VarintField(6, 4));
        var view = Wire.Concat(Wire.BytesField(1, viewSpec), Wire.BytesField(2, viewMeta));

        var projection = Wire.Concat(Wire.StringField(1, "driver_hourly_stats"), Wire.BytesField(2, feature), Wire.StringField(3, "origin"),
            Wire.BytesField(4, Wire.Concat(Wire.StringField(1, "driver_id"), Wire.StringField(2, "origin_id"))));
        var service = Wire.BytesField(1, Wire.Concat(Wire.StringField(1, "svc"), Wire.StringField(2, "p"), Wire.BytesField(3, projection)));
        var policy = Wire.BytesField(3, Wire.StringField(1, "reader")); // role_based_policy { roles: "reader" }
        var permission = Wire.BytesField(1, Wire.Concat(Wire.StringField(1, "readers"), Wire.StringField(2, "p"),
            Wire.BytesField(3, Wire.Varint(0)), Wire.StringField(4, "driver_.*"), Wire.BytesField(6, [4, 5]), Wire.BytesField(7, policy)));
        var project = Wire.BytesField(1, Wire.Concat(Wire.StringField(1, "p"), Wire.StringField(2, "Project p")));

        var registry = Wire.Concat(
            Wire.BytesField(1, entity), Wire.StringField(3, "1"), Wire.StringField(4, "version-1"),
            Wire.BytesField(5, Timestamp(1_700_003_600)), Wire.BytesField(6, view), Wire.BytesField(7, service),
            Wire.BytesField(12, source), Wire.BytesField(16, permission), Wire.BytesField(17, project));

        using var dir = new TempDir();
        await File.WriteAllBytesAsync(dir.File("registry.db"), registry);
        await using var store = new FileRegistryStore(dir.File("registry.db"));
        var snapshot = RegistrySnapshot.Create("p", await store.ReadAsync());

        Assert.Equal("version-1", snapshot.VersionId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_003_600), snapshot.LastUpdated);
        var driver = snapshot.GetEntity("driver");
        Assert.Equal(("driver_id", ValueType.Int64, "A driver"), (driver.JoinKey, driver.ValueType, driver.Description));
        var fv = snapshot.GetFeatureView("driver_hourly_stats");
        Assert.Equal(TimeSpan.FromHours(2), fv.Ttl);
        Assert.True(fv.Online);
        Assert.Equal(FeastType.Float32, Assert.Single(fv.Features).Dtype);
        Assert.Equal("ml", fv.Tags["team"]);
        Assert.Equal(FeatureViewState.AvailableOnline, fv.State);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_003_600), Assert.Single(fv.MaterializationIntervals).End);
        var batch = Assert.IsType<FileSource>(fv.BatchSource);
        Assert.Equal(("data/driver_stats.parquet", "created", "driver_id"), (batch.Path, batch.CreatedTimestampColumn, batch.FieldMapping["src_id"]));
        var svc = snapshot.GetFeatureService("svc");
        Assert.Equal(("origin", "origin_id"), (svc.Projections[0].NameToUse, svc.Projections[0].JoinKeyMap["driver_id"]));
        var readers = snapshot.GetPermission("readers");
        Assert.Equal([PermissionResourceType.FeatureView], readers.Types);
        Assert.Equal([AuthzedAction.ReadOnline, AuthzedAction.ReadOffline], readers.Actions);
        Assert.Equal(["reader"], Assert.IsType<RoleBasedPolicy>(readers.Policy).Roles);
        Assert.Equal("Project p", snapshot.GetProject("p").Description);
        Assert.Equal("driver_stats_source", Assert.Single(snapshot.DataSources).Key);
    }
}
