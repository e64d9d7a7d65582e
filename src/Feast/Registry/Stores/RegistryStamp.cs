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

    /// <summary>Parses serialized registry bytes; anything else is a <see cref="RegistryException"/> naming <paramref name="source"/>.</summary>
    public static RegistryProto Parse(byte[] bytes, string source)
    {
        try
        {
            return RegistryProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RegistryException($"{source} is not a Feast registry ({e.Message}).", e);
        }
    }
}
