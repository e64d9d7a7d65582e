using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;

namespace Feast.Remote;

/// <summary>
/// Turns a failed registry-server call into Feast's exceptions: the server's error detail (<c>{"module", "class",
/// "message"}</c> as the status message) becomes the matching Feast error with the server's message; a server that does
/// not answer becomes a <see cref="RegistryException"/> naming its address and what to check.
/// </summary>
internal static partial class RemoteErrors
{
    public static FeastException From(RpcException e, string rpc, Uri address)
    {
        var (errorClass, message) = Detail(e.Status.Detail);
        message ??= e.Status.Detail;
        return e.StatusCode switch
        {
            StatusCode.Unavailable when errorClass is null => new RegistryException(
                $"Cannot reach the registry server at {Host(address)} (registry.path in feature_store.yaml): {e.Status.Detail}. " +
                "Check that feast serve_registry runs there and listens on that host and port, and that TLS matches (registry.cert or is_tls for a server started with --key/--cert).", e),
            StatusCode.DeadlineExceeded => new RegistryException($"The registry server at {Host(address)} did not answer {rpc} in time: {message}", e),
            StatusCode.Unimplemented => new RegistryException(
                $"The registry server at {Host(address)} does not implement {rpc}: {message}. Use a registry server that serves it (a newer feast serve_registry).", e),
            StatusCode.Unauthenticated => new RemoteServerException(errorClass ?? "AuthenticationError",
                $"The registry server at {Host(address)} refused the call {rpc} as unauthenticated: {message}. Check the auth section of feature_store.yaml (its token or client credentials).", e),
            StatusCode.PermissionDenied => new RemoteServerException(errorClass ?? "FeastPermissionError", message, e),
            StatusCode.NotFound when NotFound(message) is { } notFound => notFound,
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition when errorClass is not null => new RemoteValidationException(errorClass, message),
            _ => new RemoteServerException(errorClass ?? e.StatusCode.ToString(), $"The registry server at {Host(address)} failed {rpc} ({e.StatusCode}): {message}", e),
        };
    }

    private static string Host(Uri address) => address.Authority;

    internal static (string? Class, string? Message) Detail(string detail)
    {
        if (!detail.StartsWith('{')) return (null, null);
        try
        {
            using var json = JsonDocument.Parse(detail);
            var root = json.RootElement;
            return (root.TryGetProperty("class", out var c) ? c.GetString() : null,
                root.TryGetProperty("message", out var m) ? m.GetString() : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    // Feast's not-found messages: "<Kind> <name> does not exist[ in project <project>]".
    internal static FeastObjectNotFoundException? NotFound(string message)
    {
        var match = NotFoundMessage().Match(message);
        if (!match.Success) return null;
        var name = match.Groups["name"].Value;
        var project = match.Groups["project"].Success ? match.Groups["project"].Value : null;
        return match.Groups["kind"].Value switch
        {
            "Entity" => new EntityNotFoundException(name, project),
            "Feature view" => new FeatureViewNotFoundException(name, project),
            "On demand feature view" => new OnDemandFeatureViewNotFoundException(name, project),
            "Stream feature view" => new StreamFeatureViewNotFoundException(name, project),
            "Feature service" => new FeatureServiceNotFoundException(name, project),
            "Data source" => new DataSourceObjectNotFoundException(name, project),
            "Permission" => new PermissionObjectNotFoundException(name, project),
            "Project" => new ProjectObjectNotFoundException(name),
            var kind => new FeastObjectNotFoundException(kind, name, project),
        };
    }

    [GeneratedRegex(@"^(?<kind>[A-Z][A-Za-z ]*?) (?<name>\S+) does not exist(?: in project (?<project>\S+))?$")]
    private static partial Regex NotFoundMessage();
}

/// <summary>An error a Feast server (registry server, feature server) answered with, under the class name the server gave it.</summary>
public sealed class RemoteServerException : FeastException
{
    private readonly string _errorClass;

    /// <summary>Creates the exception for the server's error class and message.</summary>
    /// <param name="errorClass">Feast's class name of the server's error.</param>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The gRPC error.</param>
    public RemoteServerException(string errorClass, string message, Exception? innerException = null) : base(message, innerException) =>
        _errorClass = errorClass;

    /// <inheritdoc/>
    public override string FeastErrorClass => _errorClass;
}

/// <summary>The registry server refused a write as Feast's validation does (a view whose entity is missing, a clash of names).</summary>
public sealed class RemoteValidationException : FeastValidationException
{
    private readonly string _errorClass;

    /// <summary>Creates the exception for the server's error class and message.</summary>
    /// <param name="errorClass">Feast's class name of the server's error.</param>
    /// <param name="message">The server's message.</param>
    public RemoteValidationException(string errorClass, string message) : base(message) => _errorClass = errorClass;

    /// <inheritdoc/>
    public override string FeastErrorClass => _errorClass;
}
