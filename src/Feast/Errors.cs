namespace Feast;

/// <summary>Base class of every error Feast.NET raises on purpose. Messages name the object at fault and say how to fix it.</summary>
public class FeastException : Exception
{
    /// <summary>Creates an exception with a message for the user.</summary>
    public FeastException(string message) : base(message) { }

    /// <summary>Creates an exception with a message for the user and the error that caused it.</summary>
    public FeastException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>The name Feast gives this error class (used in Feast-compatible error bodies).</summary>
    public virtual string FeastErrorClass => GetType().Name;
}

/// <summary>A definition breaks one of Feast's rules (duplicate name, unknown entity, bad TTL, ...).</summary>
public class FeastValidationException : FeastException
{
    /// <inheritdoc cref="FeastException(string)"/>
    public FeastValidationException(string message) : base(message) { }
}

/// <summary>Two objects of one kind share a name.</summary>
public sealed class DuplicateObjectNameException : FeastValidationException
{
    /// <inheritdoc cref="FeastException(string)"/>
    public DuplicateObjectNameException(string message) : base(message) { }
}

/// <summary>A feature name is used twice in one output where names must be unique.</summary>
public sealed class FeatureNameCollisionException : FeastValidationException
{
    /// <inheritdoc cref="FeastException(string)"/>
    public FeatureNameCollisionException(string message) : base(message) { }

    /// <inheritdoc/>
    public override string FeastErrorClass => "FeatureNameCollisionError";
}

/// <summary>A named object was looked up and is not in the registry.</summary>
public class FeastObjectNotFoundException : FeastException
{
    /// <summary>Creates the exception for an object of <paramref name="kind"/> called <paramref name="name"/>.</summary>
    public FeastObjectNotFoundException(string kind, string name, string? project)
        : base(project is null ? $"{kind} {name} does not exist" : $"{kind} {name} does not exist in project {project}")
    {
        Kind = kind;
        Name = name;
    }

    /// <summary>Creates the exception with a message of its own, for lookups that are not by registry name.</summary>
    private protected FeastObjectNotFoundException(string message, (string Kind, string Name) lookedUp)
        : base(message)
    {
        Kind = lookedUp.Kind;
        Name = lookedUp.Name;
    }

    /// <summary>The kind of object (entity, feature view, ...).</summary>
    public string Kind { get; }

    /// <summary>The name that was looked up.</summary>
    public string Name { get; }
}

/// <summary>An entity is not in the registry.</summary>
public sealed class EntityNotFoundException(string name, string? project = null)
    : FeastObjectNotFoundException("Entity", name, project);

/// <summary>A feature view is not in the registry.</summary>
public sealed class FeatureViewNotFoundException(string name, string? project = null)
    : FeastObjectNotFoundException("Feature view", name, project);

/// <summary>An on-demand feature view is not in the registry.</summary>
public sealed class OnDemandFeatureViewNotFoundException(string name, string? project = null)
    : FeastObjectNotFoundException("On demand feature view", name, project);

/// <summary>A stream feature view is not in the registry.</summary>
public sealed class StreamFeatureViewNotFoundException(string name, string? project = null)
    : FeastObjectNotFoundException("Stream feature view", name, project);

/// <summary>A feature service is not in the registry.</summary>
public sealed class FeatureServiceNotFoundException(string name, string? project = null)
    : FeastObjectNotFoundException("Feature service", name, project);

/// <summary>A data source is not in the registry.</summary>
public sealed class DataSourceObjectNotFoundException(string name, string? project = null)
    : FeastObjectNotFoundException("Data source", name, project);

/// <summary>A permission is not in the registry.</summary>
public sealed class PermissionObjectNotFoundException(string name, string? project = null)
    : FeastObjectNotFoundException("Permission", name, project);

/// <summary>A project is not in the registry.</summary>
public sealed class ProjectObjectNotFoundException(string name)
    : FeastObjectNotFoundException("Project", name, null);

/// <summary>The registry cannot be read or written (corrupt file, unreachable database, ...).</summary>
public sealed class RegistryException : FeastException
{
    /// <inheritdoc cref="FeastException(string, Exception?)"/>
    public RegistryException(string message, Exception? innerException = null) : base(message, innerException) { }

    /// <summary>
    /// Whether the registry's content is damaged (not a whole registry: cut short, empty, not a registry at all), as
    /// opposed to out of reach for now (a locked file, a database that does not answer).
    /// </summary>
    public bool Damaged { get; init; }
}

/// <summary>
/// Apply could not infer what a definition leaves out (a source's timestamp field, a join key's type, a view's
/// features) from the source's columns (Feast's <c>RegistryInferenceFailure</c>).
/// </summary>
public sealed class RegistryInferenceException : FeastValidationException
{
    /// <inheritdoc cref="FeastException(string)"/>
    public RegistryInferenceException(string message) : base(message) { }

    /// <inheritdoc/>
    public override string FeastErrorClass => "RegistryInferenceFailure";
}

/// <summary>
/// A feature view's batch source does not hold what the definitions say: the file or table is missing, or a timestamp,
/// join-key or feature column is missing or of an incompatible type. Raised by apply and plan unless source
/// validation is skipped.
/// </summary>
public sealed class DataSourceValidationException : FeastValidationException
{
    /// <inheritdoc cref="FeastException(string)"/>
    public DataSourceValidationException(string message) : base(message) { }
}

/// <summary>A feature repo's C# files do not compile, or define nothing usable.</summary>
public sealed class RepoCompilationException : FeastException
{
    /// <summary>Creates the exception from the compiler's diagnostics, already formatted as <c>file:line: message</c>.</summary>
    public RepoCompilationException(IReadOnlyList<string> diagnostics)
        : base("The feature repo does not compile:" + Environment.NewLine + string.Join(Environment.NewLine, diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>One line per error: <c>file:line: message</c>.</summary>
    public IReadOnlyList<string> Diagnostics { get; }
}

/// <summary>
/// The entity rows of a historical retrieval lack a column that a requested on-demand feature view reads from its
/// request source (Feast's <c>RequestDataNotFoundInEntityDfException</c>).
/// </summary>
public sealed class RequestDataNotFoundInEntityDfException : FeastObjectNotFoundException
{
    /// <summary>Creates the exception for the request-data <paramref name="columns"/> that <paramref name="featureViewName"/> needs.</summary>
    public RequestDataNotFoundInEntityDfException(string featureViewName, IReadOnlyList<string> columns)
        : base(Describe(featureViewName, columns), ("Request data column", string.Join(", ", columns ?? [])))
    {
        FeatureViewName = featureViewName;
        Columns = columns ?? [];
    }

    /// <summary>The on-demand feature view that reads the columns.</summary>
    public string FeatureViewName { get; }

    /// <summary>The missing columns.</summary>
    public IReadOnlyList<string> Columns { get; }

    private static string Describe(string view, IReadOnlyList<string>? columns)
    {
        var list = columns ?? [];
        return list.Count == 1
            ? $"On demand feature view {view} requires the request data column {list[0]}, which the entity data does not have. Add a {list[0]} column to the entity rows."
            : $"On demand feature view {view} requires the request data columns {string.Join(", ", list)}, which the entity data does not have. Add them as columns of the entity rows.";
    }
}

/// <summary>
/// An on-demand transformation failed on a row: user code threw, an output is missing, or an output does not fit its
/// declared type. The message names the view (and the output); the inner exception is the user code's error, if any.
/// </summary>
public sealed class OnDemandTransformationException : FeastException
{
    /// <summary>Creates the exception for on-demand feature view <paramref name="featureViewName"/>.</summary>
    public OnDemandTransformationException(string featureViewName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FeatureViewName = featureViewName;
    }

    /// <summary>The on-demand feature view whose transformation failed.</summary>
    public string FeatureViewName { get; }
}

/// <summary>No object of any kind has the name that was asked for (<c>feast delete NAME</c>).</summary>
public sealed class ObjectNameNotFoundException : FeastObjectNotFoundException
{
    /// <summary>Creates the exception for <paramref name="name"/> in <paramref name="project"/>, with the closest existing name if there is one.</summary>
    public ObjectNameNotFoundException(string name, string project, string? suggestion = null)
        : base($"No object named '{name}' in project {project}."
            + (suggestion is null ? "" : $" Did you mean '{suggestion}'?")
            + " List the objects with e.g. 'feast feature-views list' or 'feast registry-dump'.", ("Object", name))
    {
        Suggestion = suggestion;
    }

    /// <summary>The existing name closest to the one asked for, if one is close enough to be a likely typo.</summary>
    public string? Suggestion { get; }
}

/// <summary>An object cannot be deleted because other objects still reference it.</summary>
public sealed class ObjectInUseException : FeastValidationException
{
    /// <summary>Creates the exception for the object of <paramref name="kind"/> called <paramref name="name"/> and the objects that use it.</summary>
    public ObjectInUseException(string kind, string name, string project, IReadOnlyList<string> users)
        : base($"Cannot delete {kind} {name} from project {project}: it is used by {string.Join(", ", users ?? Array.Empty<string>())}. "
            + "Delete those first (or remove the references from the repo and run 'feast apply').")
    {
        Users = users ?? [];
    }

    /// <summary>The objects that reference it, each as "Kind name".</summary>
    public IReadOnlyList<string> Users { get; }
}
