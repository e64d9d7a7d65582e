using System.Globalization;
using System.Text.Json.Nodes;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// The detail pages each user opened, per project, as Feast's REST server logs them (<c>recently_visited_{user}</c>):
/// <c>{path, timestamp, project, user, object, object_name, method}</c>, the last <see cref="Limit"/> per user and
/// project. Kept in the server's memory (Feast keeps them in the registry's project metadata), so a restart forgets them.
/// </summary>
internal sealed class RecentVisits
{
    /// <summary>How many visits are kept per user and project (Feast's default <c>recent_visit_logging.limit</c>).</summary>
    public const int Limit = 100;

    private readonly Dictionary<(string User, string Project), List<JsonObject>> _visits = [];
    private readonly Lock _lock = new();

    /// <summary>The name visits are kept under: the caller's user name, or <c>anonymous</c>.</summary>
    public static string UserOf(RegistryCaller caller) => caller.User is { Username.Length: > 0 } user ? user.Username : "anonymous";

    /// <summary>Records a visit.</summary>
    public void Add(string user, string project, string path, string kind, string name, DateTimeOffset at)
    {
        var visit = new JsonObject
        {
            ["path"] = path,
            ["timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture),
            ["project"] = project,
            ["user"] = user,
            ["object"] = kind,
            ["object_name"] = name,
            ["method"] = "GET",
        };
        lock (_lock)
        {
            if (!_visits.TryGetValue((user, project), out var list)) _visits[(user, project)] = list = [];
            list.Add(visit);
            if (list.Count > Limit) list.RemoveRange(0, list.Count - Limit);
        }
    }

    /// <summary>The visits of <paramref name="user"/> in <paramref name="project"/>, oldest first (copies).</summary>
    public List<JsonObject> Of(string user, string project)
    {
        lock (_lock)
        {
            return _visits.TryGetValue((user, project), out var list) ? [.. list.Select(v => v.DeepClone().AsObject())] : [];
        }
    }
}
