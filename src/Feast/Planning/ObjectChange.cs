namespace Feast.Planning;

/// <summary>What apply does to one object.</summary>
public enum ChangeType
{
    /// <summary>The object is new.</summary>
    Add,

    /// <summary>The object exists and some of its fields change.</summary>
    Update,

    /// <summary>The object is no longer in the repo and is removed.</summary>
    Delete,
}

/// <summary>One line of a plan: an object of a kind, what happens to it, and which fields change.</summary>
/// <param name="Kind">The object kind as Feast prints it (<c>Entity</c>, <c>FeatureView</c>, ...).</param>
/// <param name="Name">The object name.</param>
/// <param name="Change">What happens.</param>
/// <param name="ChangedFields">For updates, the spec fields that differ, each as <c>field: old → new</c>.</param>
public sealed record ObjectChange(string Kind, string Name, ChangeType Change, IReadOnlyList<string> ChangedFields);

/// <summary>The changes <c>feast apply</c> would make to the registry and to the online store.</summary>
/// <param name="Changes">One entry per added, changed or deleted object, grouped by kind.</param>
public sealed record RegistryPlan(IReadOnlyList<ObjectChange> Changes)
{
    /// <summary>Whether applying changes anything.</summary>
    public bool HasChanges => Changes.Count > 0;

    /// <summary>Feature views (batch and stream) whose online tables must exist after apply.</summary>
    public IReadOnlyList<FeatureView> ViewsToKeep { get; init; } = [];

    /// <summary>Feature views (batch and stream) whose online tables are dropped by apply.</summary>
    public IReadOnlyList<FeatureView> ViewsToDelete { get; init; } = [];

    /// <summary>
    /// Why the views' batch sources were not validated although validation was asked for (the offline store is not
    /// available or cannot read schemas), as a sentence that says what to do; null when they were, or it was skipped.
    /// </summary>
    public string? SourcesNotValidated { get; init; }
}
