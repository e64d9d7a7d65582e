using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Feast.Online;
using Feast.Serialization;
using Feast.Values;

namespace Feast.Cli.Commands;

/// <summary><c>feast get-online-features</c>, and <c>feast push</c> (a Feast.NET addition): the online store from the shell.</summary>
internal static class OnlineCommands
{
    public static Command GetOnlineFeatures(CliContext context)
    {
        // -f is also the global --feature-store-yaml; after the command name it means --features, as in Feast's CLI.
        var features = new Option<string[]>("--features", "-f")
        {
            Description = "A feature reference, view:feature (on-demand views too). Repeat the option, or separate with commas: " +
                "-f driver_hourly_stats:conv_rate -f driver_hourly_stats:acc_rate",
            HelpName = "view:feature",
        };
        var entities = new Option<string[]>("--entity", "-e")
        {
            Description = "KEY=VALUE: a join key (or request-data field of an on-demand view) and its value for one row. " +
                "Repeat a key for more rows, once per row for every key: -e driver_id=1001 -e driver_id=1002. " +
                "The value is read as JSON when it parses (1001, true, \"abc\"), else as text; the store converts it to the key's type.",
            HelpName = "key=value",
        };
        var service = new Option<string?>("--feature-service", "-s")
        {
            Description = "Read the features of this feature service instead of --features. Example: --feature-service driver_activity_v1",
            HelpName = "name",
        };
        var fullNames = new Option<bool>("--full-feature-names") { Description = "Name features view__feature in the response." };
        var command = new Command("get-online-features",
            "Read the latest feature values for some entities from the online store and print Feast's JSON response " +
            "(the feature server's /get-online-features body: results per column, then metadata.feature_names).\n" +
            "Example: feast get-online-features -f driver_hourly_stats:conv_rate -e driver_id=1001 -e driver_id=1002")
        {
            features, entities, service, fullNames,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(features) ?? []).Length == 0 == (result.GetValue(service) is null))
                result.AddError("Give the features with --features view:feature (repeatable) or --feature-service NAME, not both.");
            if ((result.GetValue(entities) ?? []).Length == 0)
                result.AddError("Give at least one entity row with --entity KEY=VALUE, e.g. -e driver_id=1001.");
            else if (EntityColumns(result.GetValue(entities)!, out var error) is null)
                result.AddError(error!);
        });
        command.SetAction(async (result, ct) =>
        {
            var columns = EntityColumns(result.GetValue(entities)!, out _)!;
            var serviceName = result.GetValue(service);
            var request = new OnlineFeaturesRequest(columns)
            {
                Features = serviceName is null ? [.. SplitRefs(result.GetValue(features)!)] : null,
                FeatureService = serviceName,
                FullFeatureNames = result.GetValue(fullNames),
            };
            using var loggers = context.CreateLoggerFactory(result);
            await using var store = context.OpenStore(result, loggers);
            var response = await store.GetOnlineFeaturesAsync(request, ct);
            await context.Out.WriteLineAsync(OnlineResponseJson.ToJson(response, indented: true));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Push(CliContext context)
    {
        var source = new Argument<string>("PUSH_SOURCE") { Description = "The push source to write through, e.g. driver_stats_push_source." };
        var data = new Option<string>("--data", "-d")
        {
            Description = "The rows as JSON: a column map {\"driver_id\": [1001], \"event_timestamp\": [\"2024-01-01T00:00:00Z\"], \"conv_rate\": [0.5], ...} " +
                "(as the feature server's /push takes it) or a list of row objects; @FILE reads it from a file. It needs the join keys, " +
                "the features and the batch source's timestamp column; timestamps without an offset are UTC.",
            HelpName = "json",
            Required = true,
        };
        var to = new Option<string>("--to")
        {
            Description = "Where to write: online (the default), offline (append to the batch source) or online_and_offline.",
            HelpName = "where",
            DefaultValueFactory = _ => "online",
        };
        to.AcceptOnlyFromAmong("online", "offline", "online_and_offline");
        var command = new Command("push",
            "Push rows to every feature view fed by a push source (Feast's FeatureStore.push; a Feast.NET addition to the CLI, " +
            "where Feast offers it through the feature server's /push).\n" +
            "Example: feast push driver_stats_push_source --data '{\"driver_id\": [1001], \"event_timestamp\": [\"2024-01-01T12:00:00\"], " +
            "\"created\": [\"2024-01-01T12:00:00\"], \"conv_rate\": [1.0], \"acc_rate\": [1.0], \"avg_daily_trips\": [1000]}'")
        {
            source, data, to,
        };
        command.SetAction(async (result, ct) =>
        {
            var name = result.GetRequiredValue(source);
            var text = result.GetRequiredValue(data);
            if (text.StartsWith('@')) text = await File.ReadAllTextAsync(Path.GetFullPath(text[1..], Directory.GetCurrentDirectory()), ct);
            var mode = result.GetValue(to) switch
            {
                "offline" => PushMode.Offline,
                "online_and_offline" => PushMode.OnlineAndOffline,
                _ => PushMode.Online,
            };
            using var loggers = context.CreateLoggerFactory(result);
            await using var store = context.OpenStore(result, loggers);
            var registry = await store.GetRegistryAsync(allowCache: false, ct);
            var timestampColumns = registry.DataSources.TryGetValue(name, out var found) && found is PushSource push
                ? new[] { push.BatchSource.TimestampField, push.BatchSource.CreatedTimestampColumn }.Where(c => c.Length > 0).ToHashSet(StringComparer.Ordinal)
                : [];
            var rows = FeatureRows.FromColumns(ParseData(text, timestampColumns));
            await store.PushAsync(name, rows, mode, cancellationToken: ct);
            await context.Out.WriteLineAsync(
                $"Pushed {rows.Count} {Words.Plural(rows.Count, "row")} through push source {name} ({result.GetValue(to)}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static IEnumerable<string> SplitRefs(string[] refs) =>
        refs.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// The <c>-e KEY=VALUE</c> options as entity columns, keys in first-seen order; null (with <paramref name="error"/>)
    /// when one is not KEY=VALUE or keys have different numbers of values.
    /// </summary>
    internal static Dictionary<string, IReadOnlyList<object?>>? EntityColumns(string[] pairs, out string? error)
    {
        var columns = new Dictionary<string, List<object?>>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || pair[..equals].Trim().Length == 0)
            {
                error = $"--entity '{pair}' is not KEY=VALUE; write e.g. -e driver_id=1001.";
                return null;
            }
            var key = pair[..equals].Trim();
            if (!columns.TryGetValue(key, out var values)) columns[key] = values = [];
            values.Add(EntityValue(pair[(equals + 1)..]));
        }
        var counts = columns.Select(c => (c.Key, c.Value.Count)).ToList();
        var uneven = counts.FirstOrDefault(c => c.Count != counts[0].Count);
        if (uneven.Key is not null)
        {
            error = $"--entity {counts[0].Key} is given {counts[0].Count} times but {uneven.Key} {uneven.Count} times; " +
                "each row needs one -e per key (repeat a key's value if it is the same for every row).";
            return null;
        }
        error = null;
        return columns.ToDictionary(c => c.Key, c => (IReadOnlyList<object?>)c.Value, StringComparer.Ordinal);
    }

    // JSON when it parses (1001 → a number, "abc" → a string, true → a bool), else the text itself.
    private static object? EntityValue(string text)
    {
        try
        {
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(text));
            var element = JsonElement.ParseValue(ref reader);
            reader.Read(); // throws when something follows the value ("1 2", "1001abc")
            return element;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    /// <summary>Parses <c>--data</c>: a column map or a list of row objects, into .NET values (timestamps for <paramref name="timestampColumns"/>).</summary>
    internal static Dictionary<string, IReadOnlyList<object?>> ParseData(string json, IReadOnlySet<string> timestampColumns)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FeastValidationException($"--data is not valid JSON: {e.Message}");
        }
        var columns = new Dictionary<string, List<object?>>(StringComparer.Ordinal);
        if (root.ValueKind == JsonValueKind.Object)
        {
            foreach (var column in root.EnumerateObject())
            {
                if (column.Value.ValueKind != JsonValueKind.Array)
                    throw new FeastValidationException($"--data column '{column.Name}' must be a list with one value per row, e.g. \"{column.Name}\": [1001].");
                columns[column.Name] = [.. column.Value.EnumerateArray().Select((v, row) => DataValue(column.Name, row, v, timestampColumns))];
            }
        }
        else if (root.ValueKind == JsonValueKind.Array && root.EnumerateArray().All(r => r.ValueKind == JsonValueKind.Object))
        {
            var index = 0;
            foreach (var row in root.EnumerateArray())
            {
                var names = row.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                if (index > 0 && !names.SetEquals(columns.Keys))
                    throw new FeastValidationException($"--data row {index} has columns {string.Join(", ", names)} but row 0 has {string.Join(", ", columns.Keys)}; every row needs the same columns.");
                foreach (var cell in row.EnumerateObject())
                {
                    if (index == 0) columns[cell.Name] = [];
                    columns[cell.Name].Add(DataValue(cell.Name, index, cell.Value, timestampColumns));
                }
                index++;
            }
        }
        else
        {
            throw new FeastValidationException("--data must be a JSON object of columns ({\"driver_id\": [1001], ...}) or a list of row objects.");
        }
        if (columns.Count == 0) throw new FeastValidationException("--data has no columns; give the join keys, the timestamp and the features.");
        return columns.ToDictionary(c => c.Key, c => (IReadOnlyList<object?>)c.Value, StringComparer.Ordinal);
    }

    private static object? DataValue(string column, int row, JsonElement value, IReadOnlySet<string> timestampColumns)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String or JsonValueKind.Number when timestampColumns.Contains(column):
                return FeastTimestamp.Parse(value, column, row);
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.True or JsonValueKind.False:
                return value.GetBoolean();
            case JsonValueKind.Number:
                if (value.TryGetInt64(out var whole)) return whole;
                return value.GetDouble();
            case JsonValueKind.Array:
                return value.EnumerateArray().Select(v => DataValue(column, row, v, timestampColumns)).ToArray();
            default:
                throw new FeastValidationException($"--data column '{column}': objects cannot be feature values; use numbers, strings, booleans, lists or null.");
        }
    }
}
