using Feast.Permissions;
using Feast.Protos.Registry;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// Which ends of a lineage relationship a caller may see: every registry object of the project it may not DESCRIBE is
/// hidden, and a relationship is answered only when both its ends are visible. Stricter than Feast, whose lineage
/// RPCs and REST relationships check DESCRIBE on the project only and so name objects the caller may not describe.
/// </summary>
/// <remarks>
/// A name the registry does not hold as an object (a feature, a view's unnamed inline source) is not hidden by itself:
/// a feature reaches lineage only through the view it belongs to, which must be visible.
/// </remarks>
internal static class LineageVisibility
{
    /// <summary>
    /// A test of relationship ends for <paramref name="caller"/> in <paramref name="project"/>, or null when the server
    /// checks no permissions (everything is visible).
    /// </summary>
    public static Func<EntityReference, bool>? For(RegistryAccess access, RegistryCaller caller, P.Registry registry, string project)
    {
        if (!caller.IsChecked) return null;
        var hidden = new HashSet<(string Type, string Name)>();
        void Check<T>(string type, IEnumerable<T> items, Func<T, string> name) where T : IMessage
        {
            foreach (var item in items)
            {
                if (!MayDescribe(access, caller, registry, project, item)) hidden.Add((type, name(item)));
            }
        }
        Check(RegistryLineage.Entity, registry.Entities.Where(e => e.Spec?.Project == project), e => e.Spec.Name);
        Check(RegistryLineage.DataSource, registry.DataSources.Where(d => d.Project == project), d => d.Name);
        Check(RegistryLineage.FeatureView, registry.FeatureViews.Where(v => v.Spec?.Project == project), v => v.Spec.Name);
        Check(RegistryLineage.FeatureView, registry.StreamFeatureViews.Where(v => v.Spec?.Project == project), v => v.Spec.Name);
        Check(RegistryLineage.FeatureView, registry.OnDemandFeatureViews.Where(v => v.Spec?.Project == project), v => v.Spec.Name);
        Check(RegistryLineage.LabelView, registry.LabelViews.Where(v => v.Spec?.Project == project), v => v.Spec.Name);
        Check(RegistryLineage.FeatureService, registry.FeatureServices.Where(s => s.Spec?.Project == project), s => s.Spec.Name);
        Check(RegistryLineage.SavedDataset, registry.SavedDatasets.Where(d => d.Spec?.Project == project), d => d.Spec.Name);
        return end => !hidden.Contains((end.Type, end.Name));
    }

    /// <summary>Whether <paramref name="caller"/> may DESCRIBE <paramref name="item"/>; a denial hides it instead of failing.</summary>
    public static bool MayDescribe(RegistryAccess access, RegistryCaller caller, P.Registry registry, string project, IMessage item)
    {
        try
        {
            return access.Filter(caller, registry, project, [item]).Any();
        }
        catch (FeastPermissionException)
        {
            return false;
        }
    }
}
