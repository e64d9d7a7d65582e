using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Apache.Arrow;
using Feast.Offline;
using Feast.Values;
using Spectre.Console;
using Table = Spectre.Console.Table;

namespace Feast.Cli.Commands;

/// <summary><c>feast get-historical-features</c>: point-in-time correct training data from the shell.</summary>
internal static class HistoricalCommands
{
    private const int PreviewRows = 10;

    public static Command GetHistoricalFeatures(CliContext context)
    {
        var entityDf = new Option<string?>("--entity-df", "-e")
        {
            Description = "The entity rows: a .parquet or .csv file with the join keys and an event_timestamp column.",
            HelpName = "file",
        };
        var dataframe = new Option<string?>("--dataframe", "-d")
        {
            Description = "The entity rows as JSON: an array of objects, e.g. '[{\"driver_id\": 1001, \"event_timestamp\": \"2025-11-24T16:00:00Z\"}]'.",
            HelpName = "json",
        };
        var features = new Option<string[]>("--features")
        {
            Description = "Feature references, view:feature; repeat the option or separate with commas.",
            HelpName = "refs",
            AllowMultipleArgumentsPerToken = true,
        };
        var startDate = DateOption("--start-date", "Without entity rows: the start of the event-time range, inclusive (default: the end minus the views' longest TTL, else 30 days). ISO-8601; no offset means UTC, e.g. '2025-07-01 00:00:00'.");
        var endDate = DateOption("--end-date", "Without entity rows: the end of the event-time range, inclusive (default: now). ISO-8601; no offset means UTC.");
        var service = new Option<string?>("--feature-service", "-s") { Description = "A feature service to retrieve instead of --features.", HelpName = "name" };
        var fullNames = new Option<bool>("--full-feature-names") { Description = "Name feature columns view__feature." };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write all rows to this .parquet or .csv file; without it the first rows are printed.",
            HelpName = "file",
        };
        var command = new Command("get-historical-features",
            "Build point-in-time correct training data: for each entity row, the features as they were at its event_timestamp. "
            + "With --start-date/--end-date instead of entity rows: every entity's rows in that range, each with the features as they were then.")
        {
            entityDf, dataframe, startDate, endDate, features, service, fullNames, output,
        };
        command.Validators.Add(result =>
        {
            var rows = result.GetValue(entityDf) is not null || result.GetValue(dataframe) is not null;
            var range = result.GetResult(startDate) is not null || result.GetResult(endDate) is not null;
            if (result.GetValue(entityDf) is not null && result.GetValue(dataframe) is not null)
                result.AddError("Give the entity rows with one of --entity-df FILE or --dataframe JSON, not both.");
            else if (rows && range)
                result.AddError("Give either entity rows (--entity-df or --dataframe) or a time range (--start-date/--end-date), not both.");
            else if (!rows && !range)
                result.AddError("Give the entity rows with --entity-df FILE or --dataframe JSON, or a time range with --start-date and/or --end-date.");
            var refs = result.GetValue(features) ?? [];
            if (refs.Length == 0 == (result.GetValue(service) is null))
                result.AddError("Give exactly one of --features view:feature,... or --feature-service NAME.");
            if (result.GetValue(output) is { } path && !path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                result.AddError($"--output '{path}' must end in .parquet or .csv.");
        });
        command.SetAction(async (result, ct) =>
        {
            using var loggers = context.CreateLoggerFactory(result);
            await using var store = context.OpenStore(result, loggers);
            var full = result.GetValue(fullNames);
            RetrievalJob job;
            if (result.GetValue(entityDf) is null && result.GetValue(dataframe) is null)
            {
                var (from, to) = (result.GetValue(startDate), result.GetValue(endDate));
                job = result.GetValue(service) is { } rangeService
                    ? await store.GetHistoricalFeaturesAsync(rangeService, from, to, full, ct)
                    : await store.GetHistoricalFeaturesAsync(SplitRefs(result.GetValue(features)!), from, to, full, ct);
            }
            else
            {
                var entities = result.GetValue(entityDf) is { } file
                    ? EntityData.FromFile(Path.GetFullPath(file, Directory.GetCurrentDirectory()))
                    : EntityData.FromRows(ParseRows(result.GetValue(dataframe)!));
                job = result.GetValue(service) is { } serviceName
                    ? await store.GetHistoricalFeaturesAsync(entities, serviceName, full, ct)
                    : await store.GetHistoricalFeaturesAsync(entities, SplitRefs(result.GetValue(features)!), full, ct);
            }

            if (result.GetValue(output) is { } target)
            {
                var path = Path.GetFullPath(target, Directory.GetCurrentDirectory());
                if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) await job.ToCsvAsync(path, ct);
                else await job.ToParquetAsync(path, ct);
                await context.Out.WriteLineAsync($"Wrote the training data to {path}.");
                return ExitCodes.Ok;
            }
            await PrintAsync(context, job, ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>An optional timestamp option: ISO-8601, no offset meaning UTC; anything else is a usage error naming it.</summary>
    private static Option<DateTimeOffset?> DateOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "timestamp",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (TimestampArgument.TryParse(text, out var value)) return value;
            result.AddError($"{name} '{text}' is not an ISO-8601 timestamp. Use e.g. 2025-07-01, '2025-07-01 00:00:00' (UTC) or 2025-07-01T02:00:00+02:00.");
            return null;
        },
    };

    private static IEnumerable<string> SplitRefs(string[] refs) =>
        refs.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static List<IReadOnlyDictionary<string, object?>> ParseRows(string json)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException e)
        {
            throw new FeastException($"--dataframe is not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Array || root.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.Object))
            throw new FeastException("--dataframe must be a JSON array of objects, one per entity row.");
        return [.. root.EnumerateArray().Select((row, index) => (IReadOnlyDictionary<string, object?>)row.EnumerateObject().ToDictionary(p => p.Name, p => JsonValue(p.Name, index, p.Value)))];
    }

    private static object? JsonValue(string column, int row, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        // A column named like Feast's timestamp column holds timestamps (ISO 8601 text or epoch nanoseconds, as Feast reads them).
        JsonValueKind.String or JsonValueKind.Number when column.Contains("timestamp", StringComparison.OrdinalIgnoreCase) => FeastTimestamp.Parse(value, column, row),
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.Number => value.GetDouble(),
        // Elsewhere, ISO 8601 text with a time ("2024-01-01T10:00:00") is a timestamp; other text stays text.
        JsonValueKind.String when value.GetString()!.Contains('T', StringComparison.Ordinal) && FeastTimestamp.TryParse(value.GetString(), out var ts) => ts,
        JsonValueKind.String => value.GetString(),
        _ => throw new FeastException($"--dataframe: column '{column}' has a {value.ValueKind} value; use numbers, strings, booleans or null."),
    };

    private static async Task PrintAsync(CliContext context, RetrievalJob job, CancellationToken ct)
    {
        Table? table = null;
        long rows = 0;
        await foreach (var batch in job.ToArrowAsync(ct))
        {
            if (table is null)
            {
                table = new Table().Border(TableBorder.Simple);
                foreach (var field in batch.Schema.FieldsList) table.AddColumn(Markup.Escape(field.Name));
            }
            for (var i = 0; i < batch.Length && rows + i < PreviewRows; i++)
                table.AddRow(batch.Arrays.Select(a => Markup.Escape(Cell(a, i))).ToArray());
            rows += batch.Length;
        }
        if (table is not null) context.Console.Write(table);
        context.Console.WriteLine(rows > PreviewRows ? $"{rows} rows (first {PreviewRows} shown; use --output to write them all)." : $"{rows} {Words.Plural(rows, "row")}.");
    }

    internal static string Cell(IArrowArray array, int index)
    {
        if (array.IsNull(index)) return "null";
        return array switch
        {
            TimestampArray t => t.GetTimestamp(index)?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture) ?? "null",
            FloatArray f => f.GetValue(index)!.Value.ToString("R", CultureInfo.InvariantCulture),
            DoubleArray d => d.GetValue(index)!.Value.ToString("R", CultureInfo.InvariantCulture),
            Int64Array l => l.GetValue(index)!.Value.ToString(CultureInfo.InvariantCulture),
            Int32Array n => n.GetValue(index)!.Value.ToString(CultureInfo.InvariantCulture),
            BooleanArray b => b.GetValue(index)!.Value ? "true" : "false",
            StringArray s => s.GetString(index),
            _ => array.GetType().Name,
        };
    }
}
