using Google.Protobuf;
using Google.Protobuf.Collections;
using P = Feast.Protos.Core;
using RegistryFeature = Feast.Protos.Registry.Feature;

namespace Feast.Server.RegistryServer;

/// <summary>
/// Every feature of every view of a project, as Feast's registry server lists them (<c>ListFeatures</c>,
/// <c>GetFeature</c>): batch, stream, on-demand, then label views, each view's features in its schema's order, with
/// the view's name, Feast's type name (<c>Float32</c>, <c>Array(Int64)</c>), description and tags, and the kind
/// <c>feature</c> (or <c>label</c> for a label view's).
/// </summary>
/// <remarks>Feast answers no owner or timestamps for a feature; neither does this.</remarks>
internal static class RegistryFeatures
{
    /// <summary>A feature of a label view.</summary>
    public const string LabelKind = "label";

    /// <summary>A feature of any other view.</summary>
    public const string FeatureKind = "feature";

    /// <summary>The views of <paramref name="project"/> whose features are listed, in Feast's order: batch, stream, on-demand, label views.</summary>
    public static IEnumerable<IMessage> Views(P.Registry registry, string project) =>
        registry.FeatureViews.Where(v => v.Spec?.Project == project).Cast<IMessage>()
            .Concat(registry.StreamFeatureViews.Where(v => v.Spec?.Project == project))
            .Concat(registry.OnDemandFeatureViews.Where(v => v.Spec?.Project == project))
            .Concat(registry.LabelViews.Where(v => v.Spec?.Project == project));

    /// <summary>
    /// The features of <paramref name="views"/>, optionally only those of the view <paramref name="viewName"/>, called
    /// <paramref name="name"/>, or of <paramref name="kind"/> (<c>feature</c> or <c>label</c>); empty strings match all.
    /// </summary>
    public static List<RegistryFeature> List(IEnumerable<IMessage> views, string viewName, string name, string kind)
    {
        var features = new List<RegistryFeature>();
        foreach (var view in views)
        {
            var (view_, schema, viewKind) = Describe(view);
            if (kind.Length > 0 && viewKind != kind) continue;
            if (viewName.Length > 0 && view_ != viewName) continue;
            foreach (var field in schema)
            {
                if (name.Length > 0 && field.Name != name) continue;
                features.Add(ToFeature(field, view_, viewKind));
            }
        }
        return features;
    }

    /// <summary>Feast's message when <see cref="List"/> finds no feature of that view and name.</summary>
    public static FeastObjectNotFoundException NotFound(string name, string viewName, string project) =>
        new FeatureNotFoundException(name, viewName, project);

    private static (string View, RepeatedField<P.FeatureSpecV2> Schema, string Kind) Describe(IMessage view) => view switch
    {
        P.FeatureView v => (v.Spec.Name, v.Spec.Features, FeatureKind),
        P.StreamFeatureView v => (v.Spec.Name, v.Spec.Features, FeatureKind),
        P.OnDemandFeatureView v => (v.Spec.Name, v.Spec.Features, FeatureKind),
        P.LabelView v => (v.Spec.Name, v.Spec.Features, LabelKind),
        _ => throw new ArgumentException($"Not a view: {view.Descriptor.FullName}", nameof(view)),
    };

    private static RegistryFeature ToFeature(P.FeatureSpecV2 field, string view, string kind) => new()
    {
        Name = field.Name,
        FeatureView = view,
        Type = FeastType.FromValueType((ValueType)(int)field.ValueType).Name,
        Description = field.Description,
        Tags = { field.Tags },
        Kind = kind,
    };

    /// <summary>A feature is not in the view it was looked up in (Feast's message).</summary>
    private sealed class FeatureNotFoundException(string name, string view, string project)
        : FeastObjectNotFoundException("Feature", name, project)
    {
        private readonly string _message = $"Feature {name} not found in feature view {view} in project {project}";

        /// <inheritdoc/>
        public override string Message => _message;

        /// <inheritdoc/>
        public override string FeastErrorClass => nameof(FeastObjectNotFoundException);
    }
}
