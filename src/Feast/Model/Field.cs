namespace Feast;

/// <summary>A typed column of a feature view, request source or on-demand view: Feast's <c>Field(name=..., dtype=...)</c>.</summary>
public sealed record Field
{
    /// <summary>Creates a field.</summary>
    /// <param name="name">The column name.</param>
    /// <param name="dtype">The Feast type of the column.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="vectorIndex">Whether the field is indexed for vector search.</param>
    /// <param name="vectorLength">The vector length when <paramref name="vectorIndex"/> is set.</param>
    /// <param name="vectorSearchMetric">The vector distance metric (e.g. <c>cosine</c>).</param>
    public Field(string name, FeastType dtype, string description = "", IReadOnlyDictionary<string, string>? tags = null,
        bool vectorIndex = false, int vectorLength = 0, string vectorSearchMetric = "")
    {
        Guard.NotNullOrEmpty(name, "Field name");
        ArgumentNullException.ThrowIfNull(dtype);
        Name = name;
        Dtype = dtype;
        Description = description ?? "";
        Tags = Guard.Tags(tags);
        VectorIndex = vectorIndex;
        VectorLength = vectorLength;
        VectorSearchMetric = vectorSearchMetric ?? "";
    }

    /// <summary>The column name.</summary>
    public string Name { get; init; }

    /// <summary>The Feast type of the column.</summary>
    public FeastType Dtype { get; init; }

    /// <summary>A human-readable description.</summary>
    public string Description { get; init; }

    /// <summary>Free-form key/value metadata.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; }

    /// <summary>Whether the field is indexed for vector search.</summary>
    public bool VectorIndex { get; init; }

    /// <summary>The vector length when <see cref="VectorIndex"/> is set.</summary>
    public int VectorLength { get; init; }

    /// <summary>The vector distance metric.</summary>
    public string VectorSearchMetric { get; init; }

    /// <inheritdoc/>
    public bool Equals(Field? other) =>
        other is not null && Name == other.Name && Dtype == other.Dtype && Description == other.Description
        && Guard.SameTags(Tags, other.Tags) && VectorIndex == other.VectorIndex && VectorLength == other.VectorLength
        && VectorSearchMetric == other.VectorSearchMetric;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Dtype);
}
