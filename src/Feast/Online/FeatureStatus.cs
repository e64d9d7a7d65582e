namespace Feast.Online;

/// <summary>
/// The status of one value of an online response, numbered as Feast's <c>feast.serving.FieldStatus</c>.
/// </summary>
public enum FeatureStatus
{
    /// <summary>Not set (Feast's <c>INVALID</c>); never returned by a read.</summary>
    Invalid = 0,

    /// <summary>The store holds a value for the entity (Feast's <c>PRESENT</c>).</summary>
    Present = 1,

    /// <summary>The store holds a null for the entity (Feast's <c>NULL_VALUE</c>).</summary>
    NullValue = 2,

    /// <summary>The store holds nothing for the entity (Feast's <c>NOT_FOUND</c>).</summary>
    NotFound = 3,

    /// <summary>The stored value is older than the view's TTL (Feast's <c>OUTSIDE_MAX_AGE</c>).</summary>
    OutsideMaxAge = 4,
}
