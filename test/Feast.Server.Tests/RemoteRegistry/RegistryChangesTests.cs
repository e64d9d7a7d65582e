using Feast.Remote;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.RemoteRegistry;

/// <summary>
/// A remote registry's update compares the registry's bytes before and after, parsing only the objects whose bytes
/// differ: the calls it sends are those of a comparison of the whole messages (added and changed objects applied, gone
/// ones deleted, nothing sent for unchanged ones), and a mere difference of encoding of an object is no change.
/// </summary>
public sealed class RegistryChangesTests
{
    private static P.FeatureView View(string name, int ttlHours) => new()
    {
        Spec = new P.FeatureViewSpec
        {
            Name = name,
            Project = "p",
            Entities = { "driver" },
            Ttl = Duration.FromTimeSpan(TimeSpan.FromHours(ttlHours)),
            Tags = { ["team"] = "a", ["tier"] = "b" },
        },
    };

    private static P.Registry Registry(params P.FeatureView[] views)
    {
        var registry = new P.Registry { VersionId = Guid.NewGuid().ToString(), RegistrySchemaVersion = "1" };
        registry.Projects.Add(new P.Project { Spec = new P.ProjectSpec { Name = "p" } });
        registry.Entities.Add(new P.Entity { Spec = new P.EntitySpecV2 { Name = "driver", Project = "p", JoinKey = "driver_id" } });
        registry.FeatureViews.Add(views);
        return registry;
    }

    private static string Calls(IEnumerable<RegistryChanges.Call> calls) => string.Join(", ", calls.Select(c => $"{c.Rpc} {c.Name}"));

    [Fact]
    public void ByteDiff_SendsWhatTheMessageDiffSends()
    {
        var before = Registry(View("a", 1), View("b", 1), View("c", 1));
        // b changed (moved to the end, as apply moves it), c gone, d new; the version changed too (not an object).
        var after = Registry(View("a", 1), View("d", 1), View("b", 2));

        var byBytes = RegistryChanges.Diff(before.ToByteArray(), after.ToByteArray()).Calls;

        Assert.Equal("DeleteFeatureView c, ApplyFeatureView d, ApplyFeatureView b", Calls(byBytes));
        Assert.Equal(Calls(RegistryChanges.Diff(before, after)), Calls(byBytes));
    }

    [Fact]
    public void ByteDiff_OfAnUnchangedRegistry_SendsNothing_EvenWhenAnObjectIsEncodedDifferently()
    {
        var before = Registry(View("a", 1), View("b", 1));
        Assert.Empty(RegistryChanges.Diff(before.ToByteArray(), before.Clone().ToByteArray()).Calls);

        // The same view with its tags in another order: other bytes, the same message.
        var reordered = View("b", 1);
        reordered.Spec.Tags.Clear();
        reordered.Spec.Tags.Add("tier", "b");
        reordered.Spec.Tags.Add("team", "a");
        var after = Registry(View("a", 1), reordered);
        Assert.NotEqual(View("b", 1).ToByteArray(), reordered.ToByteArray());
        Assert.Equal(View("b", 1), reordered);
        Assert.Empty(RegistryChanges.Diff(before.ToByteArray(), after.ToByteArray()).Calls);
    }

    [Fact]
    public void ByteDiff_FromNoRegistry_AppliesEveryObjectInOrder()
    {
        var after = Registry(View("a", 1));
        Assert.Equal("ApplyProject p, ApplyEntity driver, ApplyFeatureView a", Calls(RegistryChanges.Diff([], after.ToByteArray()).Calls));
    }
}
