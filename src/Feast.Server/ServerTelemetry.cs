using System.Diagnostics;

namespace Feast.Server;

/// <summary>
/// The server's OpenTelemetry traces: one span per Feast request (<c>feast /get-online-features</c>,
/// <c>feast GetOnlineFeatures</c>, ...) under ASP.NET Core's request span, tagged with the project, the entity rows
/// and the error class. A tracer provider that adds the source <see cref="Name"/> exports them; without one, starting a
/// span costs nothing.
/// </summary>
public static class ServerTelemetry
{
    /// <summary>The name of the server's <see cref="ActivitySource"/>.</summary>
    public const string Name = "Feast.Server";

    internal static readonly ActivitySource Source = new(Name, typeof(ServerTelemetry).Assembly.GetName().Version?.ToString(3));

    internal static Activity? Start(string operation, string project)
    {
        var activity = Source.StartActivity("feast " + operation, ActivityKind.Internal);
        activity?.SetTag("feast.project", project);
        return activity;
    }

    internal static void Failed(Activity? activity, string errorClass, string message)
    {
        if (activity is null) return;
        activity.SetTag("feast.error_class", errorClass);
        activity.SetStatus(ActivityStatusCode.Error, message);
    }
}
