using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Remote;

/// <summary>
/// The registry after a change, rebuilt by the client from the registry before and what a Feast.NET registry server
/// said of each write (the request header <see cref="Header"/> asks for it), instead of reading the whole registry back:
/// each applied object as the server stored it replaces the object's old bytes (at the end of its kind's list, where
/// the server puts a written object), a deleted one's bytes go, and the registry's <c>version_id</c> and
/// <c>last_updated</c> become the server's. The rebuilt bytes are used only when they hash to the SHA-256 the server
/// sent for its registry: so a copy that differs in anything (another client wrote in between, the server added a
/// project's record or dummy entity, a server that sends no trailers) is never used, and the client reads the registry.
/// </summary>
internal static class RegistryStamps
{
    /// <summary>Request header of a write: asks a Feast.NET server for the trailers below (others ignore it).</summary>
    public const string Header = "feast-registry-stamp";

    private const string VersionTrailer = "feast-registry-version";
    private const string UpdatedTrailer = "feast-registry-updated-bin";
    private const string HashTrailer = "feast-registry-sha256";
    private const string ObjectTrailer = "feast-registry-object-bin";

    /// <summary>The registry's field that holds objects of <paramref name="kind"/>.</summary>
    private static int FieldOf(string kind) => kind switch
    {
        "Project" => P.Registry.ProjectsFieldNumber,
        "Entity" => P.Registry.EntitiesFieldNumber,
        "DataSource" => P.Registry.DataSourcesFieldNumber,
        "FeatureView" => P.Registry.FeatureViewsFieldNumber,
        "StreamFeatureView" => P.Registry.StreamFeatureViewsFieldNumber,
        "OnDemandFeatureView" => P.Registry.OnDemandFeatureViewsFieldNumber,
        "FeatureService" => P.Registry.FeatureServicesFieldNumber,
        "Permission" => P.Registry.PermissionsFieldNumber,
        _ => 0,
    };

    /// <summary>
    /// The registry's bytes after <paramref name="changes"/>, rebuilt from <paramref name="before"/> and the trailers of
    /// each call (null where a call had none), or null when they cannot be rebuilt or do not hash to the server's registry.
    /// </summary>
    public static byte[]? Rebuild(byte[] before, RegistryChanges.Changes changes, IReadOnlyList<Metadata?> trailers)
    {
        if (changes.Calls.Count == 0 || trailers.Count != changes.Calls.Count || trailers[^1] is not { } last) return null;
        var entries = Entries(before);
        if (entries is null) return null;
        var current = new Dictionary<(string, string, string), ByteString>(changes.Before);
        for (var i = 0; i < changes.Calls.Count; i++)
        {
            var call = changes.Calls[i];
            var field = FieldOf(call.Kind);
            if (trailers[i] is not { } said || field == 0 || call.Rpc is "DeleteProject" or "ApplyMaterialization") return null;
            var key = (call.Kind, call.Project, call.Name);
            if (current.TryGetValue(key, out var old) && !RemoveFirst(entries, field, old)) return null;
            if (call.Rpc.StartsWith("Delete", StringComparison.Ordinal))
            {
                if (!current.Remove(key)) return null;
                continue;
            }
            if (said.GetValueBytes(ObjectTrailer) is not { } stored) return null;
            var storedBytes = ByteString.CopyFrom(stored);
            entries.Add((field, storedBytes));
            current[key] = storedBytes;
        }
        if (last.GetValue(VersionTrailer) is not { } version || last.GetValueBytes(UpdatedTrailer) is not { } updated
            || last.GetValue(HashTrailer) is not { } hash)
            return null;
        entries.RemoveAll(e => e.Field is P.Registry.VersionIdFieldNumber or P.Registry.LastUpdatedFieldNumber);
        entries.Add((P.Registry.VersionIdFieldNumber, ByteString.CopyFromUtf8(version)));
        entries.Add((P.Registry.LastUpdatedFieldNumber, ByteString.CopyFrom(updated)));

        using var buffer = new MemoryStream(before.Length + 1024);
        var output = new CodedOutputStream(buffer);
        // A registry is written field by field in field-number order (each repeated field's items in list order).
        foreach (var (field, bytes) in entries.OrderBy(e => e.Field))
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(bytes);
        }
        output.Flush();
        var rebuilt = buffer.ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(rebuilt)) == hash ? rebuilt : null;
    }

    /// <summary>The top-level entries of a serialised registry in order, or null if one is not length-delimited.</summary>
    private static List<(int Field, ByteString Bytes)>? Entries(byte[] registry)
    {
        var entries = new List<(int, ByteString)>();
        var input = new CodedInputStream(registry);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited) return null;
            entries.Add((WireFormat.GetTagFieldNumber(tag), input.ReadBytes()));
        }
        return entries;
    }

    private static bool RemoveFirst(List<(int Field, ByteString Bytes)> entries, int field, ByteString bytes)
    {
        var i = entries.FindIndex(e => e.Field == field && e.Bytes.Equals(bytes));
        if (i < 0) return false;
        entries.RemoveAt(i);
        return true;
    }
}
