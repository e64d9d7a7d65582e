using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Feast.Configuration;

namespace Feast.Ui;

/// <summary>
/// The documents <c>feast ui</c> computes rather than serves from the bundle, in the shapes Feast's own UI server
/// (<c>feast/ui_server.py</c>) writes: <c>projects-list.json</c>, the auth config tag, and <c>index.html</c> with both
/// the root path and that tag filled in.
/// </summary>
internal static class UiDocuments
{
    /// <summary>The placeholder of the root path in the bundle's <c>index.html</c>.</summary>
    public const string PublicUrlPlaceholder = "%PUBLIC_URL%";

    /// <summary>
    /// <c>{"projects":[{"name","description","id","registryPath"}]}</c>: one entry per project of the registry (its name in
    /// title case, its description or "Project: &lt;name&gt;"), or one for <paramref name="currentProject"/> when the
    /// registry has none; with several, an "All Projects" entry (id <c>all</c>) comes first. Every entry reads the REST
    /// API at <c>{rootPath}/api/v1</c>.
    /// </summary>
    public static byte[] ProjectsList(IEnumerable<Project> projects, string currentProject, string rootPath)
    {
        var registryPath = rootPath + FeastUiOptions.RestApiPath;
        var entries = projects.OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => (Name: TitleCase(p.Name), Description: p.Description.Length > 0 ? p.Description : $"Project: {p.Name}", Id: p.Name))
            .ToList();
        if (entries.Count == 0) entries.Add((TitleCase(currentProject), $"Project: {currentProject}", currentProject));
        if (entries.Count > 1) entries.Insert(0, ("All Projects", "View data across all projects", "all"));

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("projects");
            foreach (var (name, description, id) in entries)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("description", description);
                json.WriteString("id", id);
                json.WriteString("registryPath", registryPath);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// The auth settings the UI reads from <c>&lt;script id="feast-auth-config"&gt;</c>: <c>{"auth_type": ...}</c>, and for
    /// OIDC the Keycloak base <c>url</c> and <c>realm</c> (when the discovery URL has <c>/realms/</c>), the
    /// <c>auth_discovery_url</c> and the <c>client_id</c> the UI logs in with (<c>ui_client_id</c>, else <c>client_id</c>).
    /// </summary>
    public static string AuthConfigJson(AuthConfig auth)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("auth_type", auth.Type);
            if (auth is OidcAuthConfig oidc)
            {
                var discovery = oidc.AuthDiscoveryUrl ?? "";
                var realms = discovery.IndexOf("/realms/", StringComparison.Ordinal);
                if (realms >= 0)
                {
                    json.WriteString("url", discovery[..realms]);
                    json.WriteString("realm", discovery[(realms + "/realms/".Length)..].Split('/')[0]);
                }
                json.WriteString("auth_discovery_url", discovery);
                json.WriteString("client_id", oidc.UiClientId is { Length: > 0 } ui ? ui : oidc.ClientId ?? "");
            }
            json.WriteEndObject();
        }
        // The default encoder escapes <, > and &, so the JSON cannot close the script element it sits in.
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// The bundle's <c>index.html</c> with <see cref="PublicUrlPlaceholder"/> replaced by <paramref name="rootPath"/> and the
    /// auth config tag inserted before <c>&lt;/head&gt;</c>.
    /// </summary>
    public static string IndexHtml(string template, string rootPath, AuthConfig auth)
    {
        var page = template.Replace(PublicUrlPlaceholder, WebUtility.HtmlEncode(rootPath), StringComparison.Ordinal);
        var tag = $"<script id=\"feast-auth-config\" type=\"application/json\">{AuthConfigJson(auth)}</script>\n";
        var head = page.IndexOf("</head>", StringComparison.OrdinalIgnoreCase);
        return head < 0 ? tag + page : page.Insert(head, tag);
    }

    /// <summary>Python's <c>name.replace("_", " ").title()</c>: each run of letters starts upper case, the rest lower case.</summary>
    public static string TitleCase(string name)
    {
        var text = new StringBuilder(name.Length);
        var previousIsLetter = false;
        foreach (var c in name.Replace('_', ' '))
        {
            text.Append(char.IsLetter(c) ? previousIsLetter ? char.ToLower(c, CultureInfo.InvariantCulture) : char.ToUpper(c, CultureInfo.InvariantCulture) : c);
            previousIsLetter = char.IsLetter(c);
        }
        return text.ToString();
    }
}
