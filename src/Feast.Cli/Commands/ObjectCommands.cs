using System.CommandLine;
using System.Text.Json.Nodes;
using Feast.Registry;
using Spectre.Console;

namespace Feast.Cli.Commands;

/// <summary><c>list</c> and <c>describe</c> for each object kind, as Feast's CLI offers them.</summary>
internal static class ObjectCommands
{
    /// <summary>One object kind: its command name, table columns, and how to read it from a snapshot.</summary>
    private sealed record Kind(
        string CommandName,
        string Plural,
        string[] Columns,
        Func<RegistrySnapshot, IEnumerable<FeastObject>> All,
        Func<FeastObject, string[]> Row,
        Func<RegistrySnapshot, string, FeastObject> Get,
        Func<FeastObject, string, string> ToJson);

    private static readonly Kind[] Kinds =
    [
        new("entities", "entities", ["NAME", "DESCRIPTION", "TYPE"],
            s => s.Entities.Values.Where(e => e.Name != Entity.DummyName),
            o => { var e = (Entity)o; return [e.Name, e.Description, ValueTypeName(e.ValueType)]; },
            (s, n) => s.GetEntity(n), FeastObjectJson.Format),
        new("feature-views", "feature views", ["NAME", "ENTITIES", "TYPE"],
            s => s.FeatureViews.Values.Concat<FeastObject>(s.StreamFeatureViews.Values).Concat(s.OnDemandFeatureViews.Values),
            o => o switch
            {
                FeatureView v => [v.Name, Braces(v.IsEntityless ? [Entity.DummyName] : v.Entities), v.Kind],
                OnDemandFeatureView v => [v.Name, "n/a", v.Kind],
                _ => [o.Name, "", o.Kind],
            },
            (s, n) => s.FeatureViews.TryGetValue(n, out var v) ? v
                : s.StreamFeatureViews.TryGetValue(n, out var sv) ? sv
                : s.OnDemandFeatureViews.TryGetValue(n, out var ov) ? ov
                : throw new FeatureViewNotFoundException(n, s.Project),
            FeastObjectJson.Format),
        new("on-demand-feature-views", "on demand feature views", ["NAME", "MODE"],
            s => s.OnDemandFeatureViews.Values,
            o => [o.Name, ((OnDemandFeatureView)o).Mode],
            (s, n) => s.GetOnDemandFeatureView(n), FeastObjectJson.Format),
        new("stream-feature-views", "stream feature views", ["NAME", "ENTITIES", "SOURCE"],
            s => s.StreamFeatureViews.Values,
            o => { var v = (StreamFeatureView)o; return [v.Name, Braces(v.Entities), v.StreamSource?.Name ?? ""]; },
            (s, n) => s.GetStreamFeatureView(n), FeastObjectJson.Format),
        new("feature-services", "feature services", ["NAME", "FEATURES"],
            s => s.FeatureServices.Values,
            o => [o.Name, string.Join(", ", ((FeatureService)o).Projections.SelectMany(p => p.Features.Select(f => $"{p.NameToUse}:{f.Name}")))],
            (s, n) => s.GetFeatureService(n), FeastObjectJson.Format),
        new("data-sources", "data sources", ["NAME", "CLASS"],
            s => s.DataSources.Values,
            o => [o.Name, ((DataSource)o).SourceTypeName],
            (s, n) => s.GetDataSource(n), FeastObjectJson.Format),
        // Feast's columns, one value per line and "-" for none; POLICY (every policy kind in full) is a Feast.NET addition.
        new("permissions", "permissions", ["NAME", "TYPES", "NAME_PATTERNS", "ACTIONS", "ROLES", "REQUIRED_TAGS", "POLICY"],
            s => s.Permissions.Values,
            o =>
            {
                var p = (Permission)o;
                IEnumerable<string> roles = p.Policy is RoleBasedPolicy r ? r.Roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal) : [];
                return [p.Name, Lines(p.Types.Select(t => t.ToString())), Lines(p.NamePatterns), Lines(p.Actions.Select(Feast.Permissions.PermissionAudit.ActionName)),
                    Lines(roles), Lines(p.RequiredTags.Select(kv => $"{kv.Key} : {kv.Value}")), PolicyText(p.Policy)];
            },
            (s, n) => s.GetPermission(n), FeastObjectJson.Format),
        new("projects", "projects", ["NAME", "DESCRIPTION", "TAGS", "OWNER"],
            s => s.Projects.Values,
            o => [o.Name, o.Description, Tags(o.Tags), o.Owner],
            (s, n) => s.GetProject(n), FeastObjectJson.Format),
    ];

    public static IEnumerable<Command> Build(CliContext context) => Kinds.Select(kind => Group(context, kind));

    private static Command Group(CliContext context, Kind kind)
    {
        var tags = new Option<string[]>("--tags")
        {
            Description = "Only objects with this tag, as KEY:VALUE; repeat to require several.",
            AllowMultipleArgumentsPerToken = false,
        };
        // Projects live in the registry, not in a project ("the projects of the project").
        var owner = kind.CommandName == "projects" ? "registry" : "project";
        var list = new Command("list", $"List the {kind.Plural} of the {owner}.") { tags };
        // Feast's `permissions list --verbose`: each permission with the objects it matches.
        var verbose = kind.CommandName == "permissions"
            ? new Option<bool>("--verbose", "-v") { Description = "Print the resources matching each permission." }
            : null;
        if (verbose is not null) list.Options.Add(verbose);
        list.SetAction(async (result, ct) =>
        {
            var filters = ParseTags(result.GetValue(tags) ?? []);
            var snapshot = await ReadAsync(context, result, ct).ConfigureAwait(false);
            if (verbose is not null && result.GetValue(verbose))
            {
                await PermissionCommands.WriteTreeAsync(context, snapshot, o => filters.All(f => o.Tags.TryGetValue(f.Key, out var v) && v == f.Value)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in kind.Columns) table.AddColumn(column);
            var objects = kind.All(snapshot)
                .Where(o => filters.All(f => o.Tags.TryGetValue(f.Key, out var v) && v == f.Value))
                .OrderBy(o => o.Name, StringComparer.Ordinal);
            foreach (var obj in objects) table.AddRow(kind.Row(obj).Select(Markup.Escape).ToArray());
            context.Console.Write(table);
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("NAME") { Description = "The object's name." };
        var describe = new Command("describe", $"Show one of the {owner}'s {kind.Plural} in full.") { name };
        describe.SetAction(async (result, ct) =>
        {
            var snapshot = await ReadAsync(context, result, ct).ConfigureAwait(false);
            var obj = kind.Get(snapshot, result.GetRequiredValue(name));
            await context.Out.WriteAsync(ProtoYaml.Render(kind.ToJson(obj, snapshot.Project))).ConfigureAwait(false);
            return ExitCodes.Ok;
        });

        var group = new Command(kind.CommandName, $"Access the {kind.Plural} of the {owner}.") { list, describe };
        if (kind.CommandName == "permissions")
        {
            group.Subcommands.Add(PermissionCommands.Check(context));
            group.Subcommands.Add(PermissionCommands.ListRoles(context));
        }
        return group;
    }

    /// <summary>The project's registry, read fresh.</summary>
    internal static async Task<RegistrySnapshot> ReadAsync(CliContext context, ParseResult result, CancellationToken ct)
    {
        using var loggers = context.CreateLoggerFactory(result);
        await using var store = context.OpenStore(result, loggers);
        return await store.GetRegistryAsync(allowCache: false, ct).ConfigureAwait(false);
    }

    private static Dictionary<string, string> ParseTags(string[] tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var colon = tag.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                throw new FeastException($"--tags '{tag}' is not KEY:VALUE. Write it as e.g. --tags team:driver_performance.");
            result[tag[..colon]] = tag[(colon + 1)..];
        }
        return result;
    }

    private static string ValueTypeName(ValueType type) => type switch
    {
        ValueType.Unknown => "UNKNOWN",
        _ => System.Text.RegularExpressions.Regex.Replace(type.ToString(), "(?<=[a-z0-9])([A-Z])", "_$1").ToUpperInvariant(),
    };

    private static string Braces(IEnumerable<string> items) => "{" + string.Join(", ", items.Select(i => $"'{i}'")) + "}";

    private static string Lines(IEnumerable<string> values) => string.Join("\n", values) is { Length: > 0 } text ? text : "-";

    private static string Tags(IReadOnlyDictionary<string, string> tags) => string.Join(", ", tags.Select(kv => $"{kv.Key}={kv.Value}"));

    private static string PolicyText(Policy policy) => policy switch
    {
        RoleBasedPolicy r => "roles: " + string.Join(", ", r.Roles),
        GroupBasedPolicy g => "groups: " + string.Join(", ", g.Groups),
        NamespaceBasedPolicy n => "namespaces: " + string.Join(", ", n.Namespaces),
        CombinedGroupNamespacePolicy c => $"groups: {string.Join(", ", c.Groups)}; namespaces: {string.Join(", ", c.Namespaces)}",
        _ => "allow all",
    };
}

/// <summary>Renders an object's protobuf JSON as YAML, the way Feast's <c>describe</c> commands print objects.</summary>
internal static class ProtoYaml
{
    public static string Render(string protoJson)
    {
        var node = JsonNode.Parse(protoJson);
        var writer = new StringWriter();
        Write(writer, node, 0, inList: false);
        return writer.ToString();
    }

    private static void Write(StringWriter writer, JsonNode? node, int indent, bool inList)
    {
        var pad = new string(' ', indent);
        switch (node)
        {
            case JsonObject obj:
                var first = true;
                foreach (var (key, value) in obj)
                {
                    var prefix = inList && first ? "" : pad;
                    first = false;
                    if (value is JsonObject or JsonArray && HasContent(value))
                    {
                        writer.WriteLine($"{prefix}{key}:");
                        Write(writer, value, indent + 2, inList: false);
                    }
                    else
                    {
                        writer.WriteLine($"{prefix}{key}: {Scalar(value)}");
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is JsonObject o && o.Count > 0)
                    {
                        writer.Write($"{pad}- ");
                        Write(writer, item, indent + 2, inList: true);
                    }
                    else
                    {
                        writer.WriteLine($"{pad}- {Scalar(item)}");
                    }
                }
                break;
            default:
                writer.WriteLine($"{pad}{Scalar(node)}");
                break;
        }
    }

    // Source text in describe output keeps '<' and '>' as they are.
    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static bool HasContent(JsonNode? node) => node switch
    {
        JsonObject o => o.Count > 0,
        JsonArray a => a.Count > 0,
        _ => false,
    };

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.TryGetValue<string>(out var s) => NeedsQuotes(s) ? System.Text.Json.JsonSerializer.Serialize(s, Relaxed) : s,
        _ => node.ToJsonString(),
    };

    private static bool NeedsQuotes(string s) =>
        s.Length == 0 || s.Contains('\n', StringComparison.Ordinal) || s.Contains(": ", StringComparison.Ordinal) || s.StartsWith(' ') || s.EndsWith(' ')
        || "-?:,[]{}#&*!|>'\"%@`".Contains(s[0], StringComparison.Ordinal) || s is "true" or "false" or "null" or "yes" or "no"
        || double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _);
}
