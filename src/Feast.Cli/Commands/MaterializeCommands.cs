using System.CommandLine;
using System.Globalization;
using Feast.Materialization;
using Spectre.Console;

namespace Feast.Cli.Commands;

/// <summary><c>feast materialize</c> and <c>feast materialize-incremental</c>: load the latest offline rows into the online store.</summary>
internal static class MaterializeCommands
{
    private static Option<string[]> ViewsOption() => new("--views", "-v")
    {
        Description = "Only these feature views (repeat the option: -v driver_hourly_stats -v driver_hourly_stats_fresh). " +
            "Default: every feature view with online=true.",
        HelpName = "view",
        Arity = ArgumentArity.OneOrMore,
    };

    public static Command Materialize(CliContext context)
    {
        var start = TimestampArgument.Create("START_TS", "Start of the event-time window, inclusive. ISO-8601; no offset means UTC. Example: 2024-01-01 or 2024-01-01T00:00:00.");
        var end = TimestampArgument.Create("END_TS", "End of the event-time window, inclusive. ISO-8601; no offset means UTC. Example: 2024-01-02T00:00:00Z.");
        start.Arity = ArgumentArity.ZeroOrOne;
        end.Arity = ArgumentArity.ZeroOrOne;
        var views = ViewsOption();
        var disable = new Option<bool>("--disable-event-timestamp")
        {
            Description = "Load everything the sources hold (from 1970 to now) and store every row with the current time as its event " +
                "timestamp, for sources whose timestamps are not event times. No START_TS/END_TS then.",
        };
        var command = new Command("materialize",
            "Load the latest row per entity with an event timestamp between START_TS and END_TS into the online store, " +
            "for every online feature view (or the --views given), and record the interval.\n" +
            "Example: feast materialize 2024-01-01 2024-01-02T00:00:00 -v driver_hourly_stats")
        {
            start, end, views, disable,
        };
        command.SetAction((result, ct) =>
        {
            var given = result.GetResult(start) is { Tokens.Count: > 0 } || result.GetResult(end) is { Tokens.Count: > 0 };
            if (result.GetValue(disable))
            {
                if (given) throw new FeastValidationException("--disable-event-timestamp loads everything up to now; give no START_TS or END_TS with it.");
                return RunAsync(context, result, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, result.GetValue(views), ct, disableEventTimestamp: true);
            }
            if (result.GetResult(end) is not { Tokens.Count: > 0 })
                throw new FeastValidationException("Give START_TS and END_TS (e.g. feast materialize 2024-01-01 2024-01-02), or --disable-event-timestamp.");
            var from = result.GetValue(start);
            var to = result.GetValue(end);
            if (from > to)
            {
                throw new FeastValidationException(
                    $"START_TS {TimestampArgument.Iso(from)} is after END_TS {TimestampArgument.Iso(to)}; give the earlier time first.");
            }
            return RunAsync(context, result, from, to, result.GetValue(views), ct);
        });
        return command;
    }

    public static Command MaterializeIncremental(CliContext context)
    {
        var end = TimestampArgument.Create("END_TS", "Materialize up to this time, inclusive. ISO-8601; no offset means UTC. Example: 2024-01-02T00:00:00.");
        var views = ViewsOption();
        var command = new Command("materialize-incremental",
            "Load each online feature view from where its last materialization ended (the first time: now minus the view's ttl) " +
            "up to END_TS into the online store, and record the interval.\n" +
            "Example: feast materialize-incremental $(date -u +%Y-%m-%dT%H:%M:%S)")
        {
            end, views,
        };
        command.SetAction((result, ct) => RunAsync(context, result, null, result.GetValue(end), result.GetValue(views), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult result, DateTimeOffset? start, DateTimeOffset end, string[]? viewNames, CancellationToken ct,
        bool disableEventTimestamp = false)
    {
        using var loggers = context.CreateLoggerFactory(result);
        await using var store = context.OpenStore(result, loggers);
        var registry = await store.GetRegistryAsync(allowCache: false, ct);
        var selected = viewNames is { Length: > 0 } ? viewNames.Distinct(StringComparer.Ordinal).ToArray() : null;
        // The SDK's own selection, so the count matches what runs and a bad name fails before anything is loaded.
        var planned = FeatureStore.ViewsToMaterialize(registry, selected).Select(v => v.Name).ToList();
        var count = planned.Count;
        var storeType = store.Config.OnlineStore?.Type ?? "none";

        var views = $"{count} feature {Words.Plural(count, "view")}";
        var header = disableEventTimestamp
            ? $"Materializing {views} from 1970-01-01 00:00:00+00:00 to now into the {storeType} online store, stamped with the current time."
            : start is { } from
            ? $"Materializing {views} from {TimestampArgument.Python(from)} to {TimestampArgument.Python(end)} into the {storeType} online store."
            : $"Materializing {views} to {TimestampArgument.Python(end)} into the {storeType} online store.";
        context.Console.WriteLine(header);
        context.Console.WriteLine();

        // A view with no recorded interval starts its first incremental window one ttl before now, not at an earlier
        // run's end: the messages for an empty window say which of the two it is.
        var neverMaterialized = FeatureStore.ViewsToMaterialize(registry, selected)
            .Where(v => v.MaterializationIntervals.Count == 0).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var reporter = new MaterializationReporter(context, neverMaterialized);
        IReadOnlyList<ViewMaterialization> done;
        try
        {
            done = await reporter.RunAsync(progress => disableEventTimestamp
                ? store.MaterializeAllStampedNowAsync(selected, progress, ct)
                : start is { } from
                ? store.MaterializeAsync(from, end, selected, progress, ct)
                : store.MaterializeIncrementalAsync(end, selected, progress, ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync(reporter.StoppedMessage(failed: false, planned));
            return ExitCodes.Cancelled;
        }
        catch (Exception)
        {
            // The error itself is printed by the caller, last; first what the views before it wrote and recorded.
            var finished = reporter.Finished();
            if (finished.Any(v => !UpToDate(v.Start, v.End)))
            {
                context.Console.WriteLine();
                PrintSummary(context, finished);
            }
            await context.Error.WriteLineAsync(reporter.StoppedMessage(failed: true, planned));
            throw;
        }

        reporter.PrintUnreported(done);
        context.Console.WriteLine();
        PrintSummary(context, done, end, neverMaterialized);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Whether a view's window is empty because it is already materialized past the end asked for: the SDK reports
    /// such a view (materialize-incremental to a time before its last interval's end) with its start after its end.
    /// </summary>
    internal static bool UpToDate(DateTimeOffset start, DateTimeOffset end) => start > end;

    // "all 2 feature views" when the list is every view of the run, else the names.
    private static string Names(List<string> views, int total) =>
        views.Count > 1 && views.Count == total ? $"all {views.Count} feature views" : string.Join(", ", views);

    private static void PrintSummary(CliContext context, IReadOnlyList<ViewMaterialization> all, DateTimeOffset? end = null,
        HashSet<string>? neverMaterialized = null)
    {
        var done = all.Where(v => !UpToDate(v.Start, v.End)).ToList();
        var skipped = all.Where(v => UpToDate(v.Start, v.End)).Select(v => v.View).ToList();
        var until = end is { } to ? TimestampArgument.Python(to) : "";
        if (skipped.Count > 0 && done.Count == 0)
        {
            var never = skipped.Where(v => neverMaterialized?.Contains(v) == true).ToList();
            var past = skipped.Except(never, StringComparer.Ordinal).ToList();
            var reasons = new List<string>();
            if (past.Count > 0)
                reasons.Add($"{Names(past, skipped.Count)} {(past.Count == 1 ? "is" : "are")} already materialized past {until}");
            if (never.Count > 0)
                reasons.Add($"{Names(never, skipped.Count)} {(never.Count == 1 ? "was" : "were")} never materialized, and a first incremental run starts one ttl before now, after {until}");
            context.Console.WriteLine($"Nothing to do: {string.Join("; ", reasons)}.");
            context.Console.WriteLine("Give a later END_TS, or load an earlier window with 'feast materialize START_TS END_TS'.");
            return;
        }

        // The window is in each view's line above; a narrow terminal gets the table without it rather than wrapped cells.
        var window = context.Console.Profile.Width >= 110;
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("VIEW");
        if (window)
        {
            table.AddColumn("START");
            table.AddColumn("END");
        }
        table.AddColumn(new TableColumn("ROWS").RightAligned());
        table.AddColumn(new TableColumn("SECONDS").RightAligned());
        table.AddColumn(new TableColumn("ROWS/S").RightAligned());
        // A distributed engine (batch_engine: orleans) says how many workers wrote each view.
        var distributed = done.Any(v => v.RowsByWorker.Count > 0);
        if (distributed) table.AddColumn(new TableColumn("WORKERS").RightAligned());
        var byWorker = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (var view in done)
        {
            total += view.Rows;
            string[] numbers =
            [
                view.Rows.ToString(CultureInfo.InvariantCulture),
                view.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                Rate(view.Rows, view.Elapsed),
                .. distributed ? [view.RowsByWorker.Count.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
            ];
            foreach (var (worker, rows) in view.RowsByWorker) byWorker[worker] = byWorker.GetValueOrDefault(worker) + rows;
            table.AddRow(window
                ? [Markup.Escape(view.View), TimestampArgument.Iso(view.Start), TimestampArgument.Iso(view.End), .. numbers]
                : [Markup.Escape(view.View), .. numbers]);
        }
        context.Console.Write(table);
        context.Console.WriteLine($"Materialized {total.ToString(CultureInfo.InvariantCulture)} {Words.Plural(total, "row")} into {done.Count} feature {Words.Plural(done.Count, "view")}.");
        if (byWorker.Count > 0)
            context.Console.WriteLine($"Rows per worker: {string.Join(", ", byWorker.Select(w => $"{Markup.Escape(w.Key)} {w.Value.ToString(CultureInfo.InvariantCulture)}"))}.");
        if (skipped.Count > 0)
            context.Console.WriteLine($"Already materialized past {until}, so not loaded: {string.Join(", ", skipped)}.");
    }

    /// <summary>" on N workers (name rows, ...)" for a view a distributed engine wrote; empty otherwise.</summary>
    internal static string PerWorker(IReadOnlyDictionary<string, long>? rowsByWorker) =>
        rowsByWorker is not { Count: > 0 }
            ? ""
            : $" on {rowsByWorker.Count} {Words.Plural(rowsByWorker.Count, "worker")} ({string.Join(", ", rowsByWorker.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key} {w.Value.ToString(CultureInfo.InvariantCulture)}"))})";

    internal static string Rate(long rows, TimeSpan elapsed) =>
        elapsed > TimeSpan.Zero ? (rows / elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture) : "-";
}
