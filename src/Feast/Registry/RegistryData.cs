using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Registry;

/// <summary>
/// A whole Feast registry (every project's objects), as an <see cref="IRegistryStore"/> reads, changes and persists it.
/// A store keeps it either as Feast's registry file bytes (<see cref="ToByteArray"/>, <see cref="Parse"/>: the
/// <c>registry.db</c> format Python Feast reads and writes) or, for a SQL registry, as Feast's per-object rows through
/// <see cref="SqlRegistryRows"/>; it never needs the objects themselves, which Feast.NET's own code reads and changes.
/// </summary>
/// <remarks>
/// An instance is mutable: <see cref="IRegistryStore.UpdateAsync(Func{RegistryData, CancellationToken, ValueTask{bool}}, CancellationToken)"/>
/// hands one to its callback to be changed in place, then <see cref="Stamp"/>s and persists it. Not thread-safe.
/// </remarks>
public sealed class RegistryData
{
    internal RegistryData(P.Registry proto) => Proto = proto;

    /// <summary>The registry message itself, for the code that plans, deletes and records changes.</summary>
    internal P.Registry Proto { get; }

    /// <summary>The <c>registry_schema_version</c> every Feast writer stamps ("1").</summary>
    public const string CurrentSchemaVersion = RegistryStamp.SchemaVersion;

    /// <summary>A registry holding nothing, with <see cref="SchemaVersion"/> "1": what a store starts from when it holds none.</summary>
    public static RegistryData CreateEmpty() => new(RegistryStamp.Empty());

    /// <summary>
    /// Reads Feast's serialized registry (the bytes of a <c>registry.db</c> file), refusing anything that is not a
    /// whole registry: bytes that do not parse, bytes left over, a registry without its stamp, or one cut before its
    /// project records.
    /// </summary>
    /// <param name="bytes">The serialized <c>feast.core.Registry</c>.</param>
    /// <param name="source">Where the bytes come from (a path or URL), for the error message.</param>
    /// <exception cref="RegistryException">The bytes are not a whole registry; <see cref="RegistryException.Damaged"/> is set.</exception>
    public static RegistryData Parse(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(source);
        return new(RegistryStamp.Parse(bytes, source));
    }

    // The bytes Proto serialises to, when a store has just written them (a copy is handed out: no second serialisation
    // of a registry a server answers from right after its write). Dropped by Stamp, the only public change.
    private byte[]? _written;

    /// <summary>Feast's serialized registry (the bytes of a <c>registry.db</c> file), exactly as Python Feast writes them.</summary>
    public byte[] ToByteArray() => _written is { } bytes ? (byte[])bytes.Clone() : Proto.ToByteArray();

    /// <summary>
    /// Records that <paramref name="bytes"/> are <see cref="Proto"/> serialised as it is now (a store's write), so
    /// <see cref="ToByteArray"/> copies them instead of serialising again. <see cref="Proto"/> must not be changed
    /// afterwards: a store hands the registry it wrote out as read-only.
    /// </summary>
    internal void KeepWritten(byte[] bytes) => _written = bytes;

    /// <summary>The version id: a uuid4 regenerated on every write; "" for a registry never written (or read from a SQL registry, whose layout has no place for it).</summary>
    public string VersionId => Proto.VersionId;

    /// <summary>When the registry was last written, or <see langword="null"/> when it never was.</summary>
    public DateTimeOffset? LastUpdated => Proto.LastUpdated?.ToDateTimeOffset();

    /// <summary>The <c>registry_schema_version</c> the registry carries.</summary>
    public string SchemaVersion => Proto.RegistrySchemaVersion;

    /// <summary>Whether the registry holds no object of any kind in any project (what a teardown may delete).</summary>
    public bool HoldsNothing => RegistryStamp.HoldsNothing(Proto);

    /// <summary>
    /// Marks the registry as a new version, as every Feast writer does on each write: a new uuid4
    /// <see cref="VersionId"/>, <see cref="LastUpdated"/> now, <see cref="SchemaVersion"/> "1".
    /// </summary>
    /// <param name="timeProvider">The clock for <see cref="LastUpdated"/>.</param>
    public void Stamp(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _written = null;
        RegistryStamp.Stamp(Proto, timeProvider);
    }

    /// <summary>A deep copy, which changes independently of this one.</summary>
    public RegistryData Clone() => new(Proto.Clone());
}
