using Feast.Model.Proto;
using Google.Protobuf;

namespace Feast.Registry;

/// <summary>
/// A registry object in Feast's protobuf JSON form (camelCase keys, what Python's <c>feast … describe</c> and the registry
/// REST API print), written from the model so that callers (the CLI, servers) need no generated protobuf types.
/// </summary>
public static class FeastObjectJson
{
    /// <summary>Writes <paramref name="obj"/> as Feast's protobuf JSON, as stored for <paramref name="project"/>.</summary>
    /// <param name="obj">An entity, data source, feature view (batch, stream or on-demand), feature service, permission or project.</param>
    /// <param name="project">The project the object belongs to (a project object ignores it).</param>
    /// <returns>The JSON text, one line.</returns>
    /// <exception cref="ArgumentException"><paramref name="obj"/> is not a kind the registry stores.</exception>
    public static string Format(FeastObject obj, string project)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(project);
        IMessage message = obj switch
        {
            Entity e => ProtoConverter.ToProto(e, project),
            DataSource d => ProtoConverter.ToProto(d, project),
            StreamFeatureView s => ProtoConverter.ToProto(s, project),
            FeatureView v => ProtoConverter.ToProto(v, project),
            OnDemandFeatureView o => ProtoConverter.ToProto(o, project),
            FeatureService f => ProtoConverter.ToProto(f, project),
            Permission p => ProtoConverter.ToProto(p, project),
            Project p => ProtoConverter.ToProto(p),
            _ => throw new ArgumentException($"A {obj.Kind} is not a registry object Feast writes as protobuf JSON.", nameof(obj)),
        };
        return JsonFormatter.Default.Format(message);
    }
}
