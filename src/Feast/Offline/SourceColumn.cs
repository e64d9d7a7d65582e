namespace Feast.Offline;

/// <summary>
/// A column of a data source as an offline store reads it (before the source's field mapping): its stored name, the
/// Feast type its values are read as, and the store's own type name. What <c>feast apply</c> infers timestamp fields,
/// join-key types and features from, and checks definitions against.
/// </summary>
/// <param name="Name">The column name as stored.</param>
/// <param name="Type">The Feast type the store reads the column as; <see cref="FeastType.Invalid"/> when it has none.</param>
/// <param name="NativeType">The store's type name (<c>BIGINT</c>, <c>timestamp with time zone</c>), for messages.</param>
public sealed record SourceColumn(string Name, FeastType Type, string NativeType)
{
    /// <summary>
    /// Whether the column has a timestamp type (not a date, not text): the columns a missing <c>timestampField</c> is
    /// inferred from, as Feast does.
    /// </summary>
    public bool IsTimestamp { get; init; }

    /// <summary>Whether the store can read the column as an event or created time (timestamps, and per store dates or text).</summary>
    public bool IsTimeLike { get; init; }
}
