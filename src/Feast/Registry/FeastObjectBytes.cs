using Feast.Model.Proto;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Registry;

/// <summary>
/// Reads a registry object from its Feast protobuf bytes (a <c>feast.core.Entity</c>, <c>DataSource</c>, <c>FeatureView</c>,
/// ... message as Feast's clients send it), into the model, so that callers (the registry server) need no generated
/// protobuf types: the inverse of what the registry stores for one object. The counterpart of <see cref="FeastObjectJson"/>.
/// </summary>
public static class FeastObjectBytes
{
    /// <summary>The kinds <see cref="Read"/> reads, as Feast names them (<see cref="FeastObject.Kind"/>).</summary>
    public static IReadOnlyList<string> Kinds { get; } =
        ["Entity", "DataSource", "FeatureView", "StreamFeatureView", "OnDemandFeatureView", "FeatureService", "Permission", "Project"];

    /// <summary>Reads the object of <paramref name="kind"/> serialised in <paramref name="bytes"/>.</summary>
    /// <param name="kind">The message's kind, one of <see cref="Kinds"/>.</param>
    /// <param name="bytes">The serialised message (<c>feast.core.&lt;kind&gt;</c>).</param>
    /// <param name="backends">Resolves a data source's custom type (a plug-in backend's source); null: the built-in kinds only.</param>
    /// <returns>The object, as the registry would read it back; the project it names is not part of the model.</returns>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not one of <see cref="Kinds"/>.</exception>
    /// <exception cref="RegistryException">The bytes are not a valid message of that kind (the message names the kind).</exception>
    public static FeastObject Read(string kind, ReadOnlySpan<byte> bytes, FeastBackends? backends = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (!Kinds.Contains(kind))
            throw new ArgumentException($"'{kind}' is not a registry object kind Feast sends as protobuf; expected one of {string.Join(", ", Kinds)}.", nameof(kind));
        try
        {
            return kind switch
            {
                "Entity" => ProtoConverter.FromProto(P.Entity.Parser.ParseFrom(bytes)),
                "DataSource" => ProtoConverter.FromProto(P.DataSource.Parser.ParseFrom(bytes), backends),
                "FeatureView" => ProtoConverter.FromProto(P.FeatureView.Parser.ParseFrom(bytes), backends),
                "StreamFeatureView" => ProtoConverter.FromProto(P.StreamFeatureView.Parser.ParseFrom(bytes), backends),
                "OnDemandFeatureView" => ProtoConverter.FromProto(P.OnDemandFeatureView.Parser.ParseFrom(bytes)),
                "FeatureService" => ProtoConverter.FromProto(P.FeatureService.Parser.ParseFrom(bytes)),
                "Permission" => ProtoConverter.FromProto(P.Permission.Parser.ParseFrom(bytes)),
                _ => ProtoConverter.FromProto(P.Project.Parser.ParseFrom(bytes)),
            };
        }
        catch (Exception e) when (e is not FeastException and not OperationCanceledException)
        {
            // Unreadable bytes, or a message missing a part the model needs (a view without a spec, ...).
            throw new RegistryException($"The bytes are not a valid Feast {kind} message: {e.Message}", e);
        }
    }
}
