using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// What a Feast.NET client may ask of an object write (<c>Apply*</c>, <c>Delete*</c>) so that it need not read the whole
/// registry back: with the request header <see cref="Header"/>, the answer's trailers carry the registry as the write
/// left it, in brief: its <c>version_id</c>, <c>last_updated</c>, the SHA-256 of its bytes, and (for an apply) the object
/// as stored. The client puts the stored object into its own copy and uses the copy only when its bytes hash to the
/// server's; any other difference (a concurrent writer, a project's first object) and it reads the registry as before.
/// Optional extras only: other clients send no header and get no trailers; under auth none are sent (the client's copy
/// is a filtered one).
/// </summary>
internal static class WriteStamps
{
    /// <summary>Request header: the client asks for the trailers.</summary>
    public const string Header = "feast-registry-stamp";

    /// <summary>Trailer: the registry's <c>version_id</c> after the write.</summary>
    public const string VersionTrailer = "feast-registry-version";

    /// <summary>Trailer: the registry's <c>last_updated</c> after the write (a serialised <c>Timestamp</c>).</summary>
    public const string UpdatedTrailer = "feast-registry-updated-bin";

    /// <summary>Trailer: the SHA-256 of the registry's bytes after the write, in lower-case hex.</summary>
    public const string HashTrailer = "feast-registry-sha256";

    /// <summary>Trailer of an apply: the object as the registry stores it (with its <c>meta</c>).</summary>
    public const string ObjectTrailer = "feast-registry-object-bin";

    /// <summary>A stored object larger than this is not sent in a trailer (the client reads the registry instead).</summary>
    private const int MaxObjectBytes = 16 * 1024;

    /// <summary>Whether the request asks for the trailers.</summary>
    public static bool Asked(ServerCallContext context) => context.RequestHeaders.Get(Header) is not null;

    /// <summary>
    /// Adds the trailers for <paramref name="registry"/> (as the server holds it after the write, with its stored
    /// <paramref name="bytes"/>) and, for an apply, the object of <paramref name="kind"/> named <paramref name="name"/> in
    /// <paramref name="project"/>.
    /// </summary>
    public static void Add(ServerCallContext context, P.Registry registry, byte[] bytes, string project, string? kind, string? name)
    {
        if (registry.VersionId.Length == 0 || registry.LastUpdated is null) return;
        if (kind is not null && name is not null)
        {
            if (Find(registry, project, kind, name) is not { } stored) return;
            var objectBytes = stored.ToByteArray();
            if (objectBytes.Length > MaxObjectBytes) return;
            context.ResponseTrailers.Add(ObjectTrailer, objectBytes);
        }
        context.ResponseTrailers.Add(VersionTrailer, registry.VersionId);
        context.ResponseTrailers.Add(UpdatedTrailer, registry.LastUpdated.ToByteArray());
        context.ResponseTrailers.Add(HashTrailer, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static IMessage? Find(P.Registry r, string project, string kind, string name) => kind switch
    {
        "Project" => r.Projects.LastOrDefault(p => p.Spec?.Name == name),
        "Entity" => r.Entities.LastOrDefault(e => e.Spec?.Project == project && e.Spec.Name == name),
        "DataSource" => r.DataSources.LastOrDefault(d => d.Project == project && d.Name == name),
        "FeatureView" => r.FeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == name),
        "StreamFeatureView" => r.StreamFeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == name),
        "OnDemandFeatureView" => r.OnDemandFeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == name),
        "FeatureService" => r.FeatureServices.LastOrDefault(s => s.Spec?.Project == project && s.Spec.Name == name),
        "Permission" => r.Permissions.LastOrDefault(p => p.Spec?.Project == project && p.Spec.Name == name),
        _ => null,
    };
}
