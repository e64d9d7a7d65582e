using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;

namespace Feast.Registry;

using RegistryProto = Feast.Protos.Core.Registry;

/// <summary>What every store does the same way: the empty registry, the stamp of a write, parsing.</summary>
internal static class RegistryStamp
{
    /// <summary>The schema version Python Feast writes.</summary>
    public const string SchemaVersion = "1";

    public static RegistryProto Empty() => new() { RegistrySchemaVersion = SchemaVersion };

    /// <summary>Whether <paramref name="registry"/> holds no object of any kind in any project.</summary>
    public static bool HoldsNothing(RegistryProto registry) =>
        registry.Entities.Count == 0 && registry.DataSources.Count == 0 && registry.FeatureViews.Count == 0
        && registry.StreamFeatureViews.Count == 0 && registry.OnDemandFeatureViews.Count == 0 && registry.FeatureServices.Count == 0
        && registry.Permissions.Count == 0 && registry.Projects.Count == 0 && registry.SavedDatasets.Count == 0
        && registry.ValidationReferences.Count == 0 && registry.LabelViews.Count == 0 && registry.FeatureTables.Count == 0;

    /// <summary>Marks a registry as a new version, as Python Feast does on every commit.</summary>
    public static void Stamp(RegistryProto registry, TimeProvider timeProvider)
    {
        registry.VersionId = Guid.NewGuid().ToString();
        registry.LastUpdated = Timestamp.FromDateTimeOffset(timeProvider.GetUtcNow());
        registry.RegistrySchemaVersion = SchemaVersion;
    }

    /// <summary>
    /// The deprecated <c>project_metadata</c> list. Python Feast still writes it (and the SQL registry
    /// keeps it as <c>project_uuid</c> rows), so the stores must carry it.
    /// </summary>
#pragma warning disable CS0612 // deprecated in the proto, still part of the format
    public static RepeatedField<Feast.Protos.Core.ProjectMetadata> ProjectMetadata(RegistryProto registry) => registry.ProjectMetadata;
#pragma warning restore CS0612

    /// <summary>
    /// Parses serialized registry bytes; anything that is not a whole registry is a <see cref="RegistryException"/>
    /// naming <paramref name="source"/>, never an empty or partial registry.
    /// </summary>
    /// <remarks>
    /// Protobuf cannot tell a message cut at a field boundary from a shorter one: bytes cut inside a field fail to
    /// parse, but bytes cut between two top-level fields parse "successfully" into a registry missing its tail. Every
    /// writer (Python Feast, Feast.NET) writes the fields in field-number order and stamps each write, so the rule is:
    /// the bytes must parse to the end; the registry must carry its stamp (<c>version_id</c>, <c>last_updated</c>; an
    /// empty file has neither); and every project that owns an object must have its <c>Project</c> record, which is
    /// field 17, written after every object list including the permissions (16). A cut anywhere before the project
    /// records is therefore caught. What is written after them (<c>feature_view_version_history</c>,
    /// <c>label_views</c>) cannot be checked this way. Registries written by Python Feast before 0.41 have no project
    /// records; Feast 0.41 or later adds them on its next <c>feast apply</c>.
    /// </remarks>
    public static RegistryProto Parse(byte[] bytes, string source)
    {
        var registry = new RegistryProto();
        var input = new CodedInputStream(bytes);
        try
        {
            registry.MergeFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RegistryException($"{source} is not a Feast registry, or not a whole one ({e.Message}): it is damaged or cut short. Restore it from a backup, or run feast apply against a new registry path.", e) { Damaged = true };
        }
        if (!input.IsAtEnd)
            throw new RegistryException($"{source} is not a Feast registry, or not a whole one: {bytes.Length - input.Position} bytes after its end were not read. Restore it from a backup.") { Damaged = true };
        if (Incomplete(registry, bytes.Length) is { } why)
            throw new RegistryException($"{source} is not a Feast registry, or not a whole one: {why}. Restore it from a backup, or run feast apply against a new registry path.") { Damaged = true };
        return registry;
    }

    /// <summary>Why a parsed registry cannot be the whole of what a writer wrote, or null when nothing says so.</summary>
    internal static string? Incomplete(RegistryProto registry, int length)
    {
        if (length == 0) return "the file is empty (0 bytes)";
        if (registry.VersionId.Length == 0 || registry.LastUpdated is null)
            return "it has no version_id or last_updated, which every Feast writer stamps on it";
        var recorded = new HashSet<string>(registry.Projects.Select(p => p.Spec?.Name ?? ""), StringComparer.Ordinal);
        var owner = Owners(registry).FirstOrDefault(p => !recorded.Contains(p));
        return owner is null ? null
            : $"project '{owner}' owns objects but has no project record (the last list a writer writes, after the permissions), so the file was cut short " +
              "(or it was written by Python Feast before 0.41: let Feast 0.41 or later run feast apply on it once)";
    }

    private static IEnumerable<string> Owners(RegistryProto r) =>
        r.Entities.Select(e => e.Spec?.Project).Concat(r.DataSources.Select(d => d.Project))
            .Concat(r.FeatureViews.Select(v => v.Spec?.Project)).Concat(r.StreamFeatureViews.Select(v => v.Spec?.Project))
            .Concat(r.OnDemandFeatureViews.Select(v => v.Spec?.Project)).Concat(r.FeatureServices.Select(s => s.Spec?.Project))
            .Concat(r.Permissions.Select(p => p.Spec?.Project)).Concat(r.SavedDatasets.Select(s => s.Spec?.Project))
            .Concat(r.ValidationReferences.Select(v => v.Project)).Concat(r.LabelViews.Select(v => v.Spec?.Project))
            .Where(p => !string.IsNullOrEmpty(p)).Select(p => p!).Distinct(StringComparer.Ordinal);
}
