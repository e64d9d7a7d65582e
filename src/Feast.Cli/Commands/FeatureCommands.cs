using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Feast.Configuration;
using Feast.Registry;
using Spectre.Console;

namespace Feast.Cli.Commands;

/// <summary><c>feast features list</c> and <c>feast features describe</c>: the features of every view, as Feast's CLI shows them.</summary>
internal static class FeatureCommands
{
    // Feast prints with json.dumps(..., indent=4); '<', '>' and '&' stay as they are.
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, IndentSize = 4, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(CliContext context) => new("features", "Access the features of the project's feature views.")
    {
        List(context),
        Describe(context),
    };

    private static Command List(CliContext context)
    {
        var view = new Option<string?>("--feature-view")
        {
            Description = "Only the features of this feature view (a Feast.NET addition).",
            HelpName = "name",
        };
        var output = new Option<string>("--output")
        {
            Description = "Output format: table or json.",
            HelpName = "format",
            DefaultValueFactory = _ => "table",
        };
        // Case-insensitive, as Feast's click.Choice(case_sensitive=False).
        output.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (!string.Equals(value, "table", StringComparison.OrdinalIgnoreCase) && !string.Equals(value, "json", StringComparison.OrdinalIgnoreCase))
                r.AddError($"--output '{value}' is not an output format. Use table or json.");
        });
        var command = new Command("list", "List every feature: its name, feature view and data type.") { view, output };
        command.SetAction(async (result, ct) =>
        {
            var snapshot = await ObjectCommands.ReadAsync(context, result, ct).ConfigureAwait(false);
            var views = Views(snapshot);
            if (result.GetValue(view) is { } only)
                views = [FindView(snapshot, views, only)];
            var rows = views.SelectMany(v => v.Features.Select(f => (Feature: f.Name, View: v.Name, Type: f.Dtype.Name))).ToList();
            if (string.Equals(result.GetValue(output), "json", StringComparison.OrdinalIgnoreCase))
            {
                var array = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                {
                    ["feature_name"] = r.Feature,
                    ["feature_view"] = r.View,
                    ["dtype"] = r.Type,
                })]);
                await context.Out.WriteLineAsync(array.ToJsonString(Json)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Simple).AddColumn("Feature").AddColumn("Feature View").AddColumn("Data Type");
            foreach (var (feature, viewName, type) in rows) table.AddRow(Markup.Escape(feature), Markup.Escape(viewName), Markup.Escape(type));
            context.Console.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe(CliContext context)
    {
        var name = new Argument<string>("FEATURE_NAME")
        {
            Description = "The feature's name (every view that has it is shown), or VIEW:FEATURE for the one in that view.",
        };
        var command = new Command("describe", "Show a feature in full: its view, data type, description, whether the view is online, and the view's source.") { name };
        command.SetAction(async (result, ct) =>
        {
            var snapshot = await ObjectCommands.ReadAsync(context, result, ct).ConfigureAwait(false);
            var reference = result.GetRequiredValue(name);
            var views = Views(snapshot);
            var featureName = reference;
            var colon = reference.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                views = [FindView(snapshot, views, reference[..colon])];
                featureName = reference[(colon + 1)..];
            }
            var details = new JsonArray();
            foreach (var view in views)
            {
                foreach (var feature in view.Features.Where(f => f.Name == featureName))
                    details.Add(Details(snapshot.Project, view, feature));
            }
            if (details.Count == 0)
            {
                var suggestion = DidYouMean.Suggest(featureName, views.SelectMany(v => v.Features.Select(f => f.Name)).Distinct(StringComparer.Ordinal));
                var where = colon >= 0 ? $"feature view {views[0].Name}" : "any feature view";
                throw new FeastException($"Feature '{featureName}' not found in {where}."
                    + (suggestion is null ? "" : $" Did you mean '{suggestion}'?") + " Run 'feast features list' to see them all.");
            }
            await context.Out.WriteLineAsync(details.ToJsonString(Json)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Feast's keys and values: the view's <c>online</c> flag ("N/A" for on-demand views) and its batch source as proto JSON.</summary>
    private static JsonObject Details(string project, BaseFeatureView view, Field feature) => new()
    {
        ["Feature Name"] = feature.Name,
        ["Feature View"] = view.Name,
        ["Data Type"] = feature.Dtype.Name,
        ["Description"] = feature.Description,
        ["Online Store"] = view is FeatureView fv ? JsonValue.Create(fv.Online) : JsonValue.Create("N/A"),
        ["Source"] = view is FeatureView { BatchSource: { } source }
            ? JsonNode.Parse(FeastObjectJson.Format(source, project))
            : null,
    };

    /// <summary>Batch, then on-demand, then stream feature views (Feast's order), each by name.</summary>
    private static IReadOnlyList<BaseFeatureView> Views(RegistrySnapshot s) =>
        [.. s.FeatureViews.Values.OrderBy(v => v.Name, StringComparer.Ordinal),
         .. s.OnDemandFeatureViews.Values.OrderBy(v => v.Name, StringComparer.Ordinal),
         .. s.StreamFeatureViews.Values.OrderBy(v => v.Name, StringComparer.Ordinal)];

    private static BaseFeatureView FindView(RegistrySnapshot snapshot, IReadOnlyList<BaseFeatureView> views, string name)
    {
        var view = views.FirstOrDefault(v => v.Name == name);
        if (view is not null) return view;
        var suggestion = DidYouMean.Suggest(name, views.Select(v => v.Name));
        throw new FeastException($"Feature view '{name}' does not exist in project {snapshot.Project}."
            + (suggestion is null ? "" : $" Did you mean '{suggestion}'?") + " Run 'feast feature-views list' to see them all.");
    }
}
