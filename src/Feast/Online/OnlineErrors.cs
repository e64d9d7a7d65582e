namespace Feast;

/// <summary>An online read lacks request data an on-demand view needs (Feast's <c>RequestDataNotFoundInEntityRowsException</c>, HTTP 404).</summary>
public sealed class RequestDataNotFoundInEntityRowsException : FeastObjectNotFoundException
{
    /// <summary>Creates the exception for <paramref name="missing"/> fields of request sources used by <paramref name="view"/>.</summary>
    public RequestDataNotFoundInEntityRowsException(string view, IReadOnlyList<string> missing)
        : base($"On demand feature view '{view}' needs request data {string.Join(", ", (missing ?? []).Select(m => $"'{m}'"))}, which the entity rows do not have. Add {(missing?.Count == 1 ? "it" : "them")} to the entity rows (the 'entities' of the request).",
            ("Request data", string.Join(", ", missing ?? [])))
    {
        View = view;
        Missing = missing ?? [];
    }

    /// <summary>The on-demand view.</summary>
    public string View { get; }

    /// <summary>The missing request fields.</summary>
    public IReadOnlyList<string> Missing { get; }
}

/// <summary>An online read lacks a join key a feature view is keyed by.</summary>
public sealed class EntityKeyMissingException : FeastValidationException
{
    /// <summary>Creates the exception for <paramref name="joinKey"/> of <paramref name="view"/>.</summary>
    public EntityKeyMissingException(string view, string joinKey, IEnumerable<string> provided)
        : base($"Feature view '{view}' is keyed by '{joinKey}', but the entity rows have no such column (they have: {string.Join(", ", provided ?? [])}). Add '{joinKey}' to every entity row.")
    {
        View = view;
        JoinKey = joinKey;
    }

    /// <summary>The feature view.</summary>
    public string View { get; }

    /// <summary>The missing join key.</summary>
    public string JoinKey { get; }
}

/// <summary>No feature view is fed by the named push source (Feast's <c>PushSourceNotFoundException</c>, HTTP 422).</summary>
public sealed class PushSourceNotFoundException : FeastException
{
    /// <summary>Creates the exception for push source <paramref name="name"/>.</summary>
    public PushSourceNotFoundException(string name)
        : base($"Unable to find push source '{name}'.") => Name = name;

    /// <summary>The push source name.</summary>
    public string Name { get; }
}
