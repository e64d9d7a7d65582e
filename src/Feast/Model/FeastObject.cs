namespace Feast;

/// <summary>What every registered definition has: a name, documentation, tags, an owner and registry timestamps.</summary>
public abstract record FeastObject
{
    private protected FeastObject(string name, string description, IReadOnlyDictionary<string, string>? tags, string owner, string kind)
    {
        Guard.NotNullOrEmpty(name, $"The name of a {kind}");
        Name = name;
        Description = description ?? "";
        Tags = Guard.Tags(tags);
        Owner = owner ?? "";
    }

    /// <summary>The unique name of the object among objects of its kind in a project.</summary>
    public string Name { get; init; }

    /// <summary>A human-readable description.</summary>
    public string Description { get; init; }

    /// <summary>Free-form key/value metadata.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; }

    /// <summary>The owner, typically an email address.</summary>
    public string Owner { get; init; }

    /// <summary>When the object was first registered (set by the registry).</summary>
    public DateTimeOffset? CreatedTimestamp { get; init; }

    /// <summary>When the object was last changed in the registry (set by the registry).</summary>
    public DateTimeOffset? LastUpdatedTimestamp { get; init; }

    /// <summary>The object kind as Feast's CLI names it (<c>Entity</c>, <c>FeatureView</c>, ...).</summary>
    public abstract string Kind { get; }
}

/// <summary>A real-world object (driver, customer) that features describe, identified by a join key.</summary>
public sealed record Entity : FeastObject
{
    /// <summary>The name and join key of the dummy entity Feast gives entity-less feature views.</summary>
    public const string DummyName = "__dummy";

    /// <summary>The join key of the dummy entity; its value is always the empty string.</summary>
    public const string DummyJoinKey = "__dummy_id";

    /// <summary>Creates an entity.</summary>
    /// <param name="name">The unique entity name.</param>
    /// <param name="joinKeys">The column that identifies the entity; Feast allows exactly one. Defaults to the name.</param>
    /// <param name="valueType">The type of the join key; inferred from feature views when left unknown.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    public Entity(string name, IReadOnlyList<string>? joinKeys = null, ValueType valueType = ValueType.Unknown,
        string description = "", IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, description, tags, owner, "entity")
    {
        if (joinKeys is { Count: > 1 })
            throw new FeastValidationException($"Entity '{name}' has {joinKeys.Count} join keys ({string.Join(", ", joinKeys)}); Feast entities have exactly one. Define one entity per join key.");
        var joinKey = joinKeys is { Count: 1 } ? joinKeys[0] : name;
        Guard.NotNullOrEmpty(joinKey, $"The join key of entity '{name}'");
        JoinKey = joinKey;
        ValueType = valueType;
    }

    /// <summary>The column that identifies the entity in data and requests.</summary>
    public string JoinKey { get; init; }

    /// <summary>The join keys as Feast's Python API exposes them (always one).</summary>
    public IReadOnlyList<string> JoinKeys => [JoinKey];

    /// <summary>The type of the join key.</summary>
    public ValueType ValueType { get; init; }

    /// <inheritdoc/>
    public override string Kind => "Entity";

    /// <summary>The entity Feast registers in every project for entity-less feature views.</summary>
    public static Entity Dummy { get; } = new(DummyName, [DummyJoinKey]);
}

/// <summary>A named project: the namespace all other objects live in.</summary>
public sealed record Project : FeastObject
{
    /// <summary>Creates a project.</summary>
    public Project(string name, string description = "", IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, description, tags, owner, "project")
    {
    }

    /// <inheritdoc/>
    public override string Kind => "Project";
}
