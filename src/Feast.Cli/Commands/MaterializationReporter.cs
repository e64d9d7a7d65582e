using System.Globalization;
using Feast.Materialization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Feast.Cli.Commands;

/// <summary>
/// Shows a materialization as it runs, as Feast does: per view a line "VIEW from START to END:" and, on a terminal,
/// a live progress bar under it (rows written, rows/s, time left; a pulsing bar when the row count is unknown), and
/// for a distributed engine one line per worker with its rows so far; elsewhere plain lines (with the rows per worker). Reports arrive synchronously on the SDK's thread (a <see cref="Progress{T}"/> would post them
/// to the thread pool, late and out of order).
/// </summary>
internal sealed class MaterializationReporter(CliContext context, IReadOnlySet<string> neverMaterialized) : IProgress<MaterializationProgress>
{
    // Plain output prints an intermediate line at most this often, so a long view shows it is alive without flooding logs.
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ViewState> _views = new(StringComparer.Ordinal);
    private LiveBar? _bar;

    /// <summary>Runs <paramref name="materialize"/> with this reporter as its progress sink.</summary>
    public async Task<IReadOnlyList<ViewMaterialization>> RunAsync(
        Func<IProgress<MaterializationProgress>, Task<IReadOnlyList<ViewMaterialization>>> materialize)
    {
        try
        {
            return await materialize(this);
        }
        finally
        {
            // A failed or cancelled view leaves its bar where it stopped.
            lock (_gate) EndBar();
        }
    }

    /// <inheritdoc/>
    public void Report(MaterializationProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (!_views.TryGetValue(value.View, out var state))
            {
                EndBar();
                state = new ViewState(value);
                _views.Add(value.View, state);
                Announce(value);
            }
            state.Latest = value;
            if (_bar is { } bar)
            {
                bar.Update(value);
                if (value.Completed) EndBar();
            }
            else
            {
                PrintLine(state);
            }
        }
    }

    /// <summary>For views the SDK finished without reporting progress: their header and row count, as if reported.</summary>
    public void PrintUnreported(IEnumerable<ViewMaterialization> done)
    {
        foreach (var view in done)
        {
            if (_views.ContainsKey(view.View)) continue;
            Report(new MaterializationProgress(view.View, view.Start, view.End, view.Rows, view.Rows, view.Elapsed, Completed: true));
        }
    }

    /// <summary>The views finished (interval recorded) so far, as the SDK would have returned them.</summary>
    public IReadOnlyList<ViewMaterialization> Finished()
    {
        lock (_gate)
        {
            return [.. _views.Values.Where(v => v.Latest.Completed)
                .Select(v => new ViewMaterialization(v.Latest.View, v.Latest.Start, v.Latest.End, v.Latest.RowsWritten, v.Latest.Elapsed))];
        }
    }

    /// <summary>
    /// What was done when the run stopped early (<paramref name="failed"/>: by an error; else cancelled): the views
    /// recorded, the one stopped part-way, and those of <paramref name="planned"/> not materialized.
    /// </summary>
    public string StoppedMessage(bool failed, IEnumerable<string> planned)
    {
        lock (_gate)
        {
            var how = failed ? "Failed" : "Cancelled";
            var finished = _views.Values.Where(v => v.Latest.Completed).ToList();
            var stopped = _views.Values.Where(v => !v.Latest.Completed).ToList();
            var text = finished.Count == 0
                ? $"{how} before any feature view finished."
                : $"{how}. Materialized and recorded: {string.Join(", ", finished.Select(v => $"{v.Latest.View} ({Rows(v.Latest.RowsWritten)})"))}.";
            foreach (var view in stopped)
            {
                text += $" {view.Latest.View} {(failed ? "failed" : "was interrupted")} after {Rows(view.Latest.RowsWritten)}" +
                    (view.Latest.RowsWritten > 0 ? ": those rows are in the online store, but its" : "; its") +
                    " interval was not recorded, so the next run loads it again.";
            }
            var untouched = planned.Where(name => !_views.ContainsKey(name)).ToList();
            return untouched.Count == 0 ? text : text + $" Not materialized: {string.Join(", ", untouched)}.";
        }
    }

    private void Announce(MaterializationProgress first)
    {
        if (MaterializeCommands.UpToDate(first.Start, first.End))
        {
            context.Console.WriteLine(neverMaterialized.Contains(first.View)
                ? $"{first.View}: never materialized; a first incremental run starts one ttl before now ({TimestampArgument.Python(first.Start)}), after {TimestampArgument.Python(first.End)}; nothing to load."
                : $"{first.View}: already materialized up to {TimestampArgument.Python(first.Start)}, past {TimestampArgument.Python(first.End)}; nothing to load.");
            return;
        }
        var window = $"from {TimestampArgument.Python(first.Start)} to {TimestampArgument.Python(first.End)}:";
        if (context.LiveConsole is { } live)
        {
            live.MarkupLine($"[green]{Markup.Escape(first.View)}[/] {window}");
            _bar = LiveBar.Start(live, first);
        }
        else
        {
            context.Console.WriteLine($"{first.View} {window}");
        }
    }

    private void EndBar()
    {
        _bar?.End();
        _bar = null;
    }

    private void PrintLine(ViewState state)
    {
        var p = state.Latest;
        if (MaterializeCommands.UpToDate(p.Start, p.End)) return;
        if (p.Completed)
        {
            context.Console.WriteLine($"  {Rows(p.RowsWritten)} written in {p.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s " +
                $"({MaterializeCommands.Rate(p.RowsWritten, p.Elapsed)} rows/s){MaterializeCommands.PerWorker(p.RowsByWorker)}.");
            return;
        }
        if (p.Elapsed - state.LastLine < PlainInterval) return;
        state.LastLine = p.Elapsed;
        var of = p.TotalRows is { } total && total > 0
            ? $" of {Count(total)} ({(100.0 * p.RowsWritten / total).ToString("0", CultureInfo.InvariantCulture)}%)"
            : "";
        context.Console.WriteLine($"  {Rows(p.RowsWritten)}{of} written, {MaterializeCommands.Rate(p.RowsWritten, p.Elapsed)} rows/s{MaterializeCommands.PerWorker(p.RowsByWorker)}...");
    }

    private static string Count(long rows) => rows.ToString("N0", CultureInfo.InvariantCulture);

    private static string Rows(long rows) => $"{Count(rows)} {Words.Plural(rows, "row")}";

    private static double RowsPerSecond(MaterializationProgress p) =>
        p.Elapsed > TimeSpan.Zero ? p.RowsWritten / p.Elapsed.TotalSeconds : 0;

    private sealed class ViewState(MaterializationProgress first)
    {
        public MaterializationProgress Latest { get; set; } = first;

        public TimeSpan LastLine { get; set; }
    }

    /// <summary>One view's live bar: a Spectre progress display that runs until the view completes (or the run ends).</summary>
    private sealed class LiveBar
    {
        private readonly ProgressContext _progress;
        private readonly ProgressTask _task;
        private readonly TaskCompletionSource _done;
        private readonly Task _display;
        private readonly Dictionary<string, ProgressTask> _workers = new(StringComparer.Ordinal);

        private LiveBar(ProgressContext progress, ProgressTask task, TaskCompletionSource done, Task display)
        {
            _progress = progress;
            _task = task;
            _done = done;
            _display = display;
        }

        public static LiveBar Start(IAnsiConsole console, MaterializationProgress first)
        {
            var started = new TaskCompletionSource<(ProgressContext, ProgressTask)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var display = console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new SpinnerColumn(), new ProgressBarColumn(), new PercentageColumn(), new RowsColumn(), new RateColumn(), new EtaColumn())
                .StartAsync(async progress =>
                {
                    started.SetResult((progress, progress.AddTask(first.View, autoStart: true, maxValue: Math.Max(1, first.TotalRows ?? 1))));
                    await done.Task;
                });
            // Reports come synchronously, so wait here until the display runs (or failed to start).
            Task.WaitAny(started.Task, display);
            if (!started.Task.IsCompleted)
            {
                display.GetAwaiter().GetResult();
                throw new InvalidOperationException("The progress display ended before it started.");
            }
            var (progress, task) = started.Task.GetAwaiter().GetResult();
            var bar = new LiveBar(progress, task, done, display);
            bar.Update(first);
            return bar;
        }

        public void Update(MaterializationProgress p)
        {
            _task.Tag = p;
            UpdateWorkers(p);
            if (p.Completed)
            {
                _task.IsIndeterminate = false;
                _task.MaxValue = Math.Max(1, p.RowsWritten);
                _task.Value = _task.MaxValue;
                _task.StopTask();
                return;
            }
            _task.IsIndeterminate = p.TotalRows is null;
            if (p.TotalRows is { } total) _task.MaxValue = Math.Max(1, total);
            _task.Value = p.RowsWritten;
        }

        /// <summary>One line per worker under the view's bar: its share of the rows so far (a distributed engine's reports only).</summary>
        private void UpdateWorkers(MaterializationProgress p)
        {
            if (p.RowsByWorker is not { Count: > 0 } workers) return;
            var total = Math.Max(1, p.Completed ? p.RowsWritten : p.TotalRows ?? p.RowsWritten);
            foreach (var (worker, rows) in workers.OrderBy(w => w.Key, StringComparer.Ordinal))
            {
                if (!_workers.TryGetValue(worker, out var line))
                {
                    line = _progress.AddTask(worker, autoStart: true, maxValue: total);
                    _workers.Add(worker, line);
                }
                line.Tag = new WorkerRows(worker, rows);
                line.MaxValue = total;
                line.Value = rows;
                if (p.Completed) line.StopTask();
            }
        }

        /// <summary>Stops the display after its last refresh, so the next line prints below it.</summary>
        public void End()
        {
            _done.TrySetResult();
            _display.GetAwaiter().GetResult();
        }
    }

    /// <summary>A worker's line under a view's bar: its name and the rows it has written so far.</summary>
    private sealed record WorkerRows(string Worker, long Rows);

    /// <summary>Rows written, and of how many when known; on a worker's line, the worker and its rows.</summary>
    private sealed class RowsColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => task.Tag switch
        {
            MaterializationProgress p => new Text(p.TotalRows is { } total && !p.Completed ? $"{Count(p.RowsWritten)}/{Rows(total)}" : Rows(p.RowsWritten)),
            WorkerRows w => new Text($"{Rows(w.Rows)} on {w.Worker}", new Style(Color.Grey)),
            _ => Text.Empty,
        };
    }

    /// <summary>Rows written per second so far.</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.Tag is MaterializationProgress p && p.Elapsed > TimeSpan.Zero
                ? new Text($"{RowsPerSecond(p).ToString("N0", CultureInfo.InvariantCulture)} rows/s", new Style(Color.Grey))
                : Text.Empty;
    }

    /// <summary>Time left at the rate so far, when the total is known; the elapsed time once done.</summary>
    private sealed class EtaColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            if (task.Tag is not MaterializationProgress p) return Text.Empty;
            if (p.Completed) return new Text($"in {Clock(p.Elapsed)}", new Style(Color.Grey));
            var rate = RowsPerSecond(p);
            if (p.TotalRows is not { } total || rate <= 0) return new Text($"{Clock(p.Elapsed)} elapsed", new Style(Color.Grey));
            return new Text($"ETA {Clock(TimeSpan.FromSeconds(Math.Max(0, total - p.RowsWritten) / rate))}", new Style(Color.Blue));
        }

        private static string Clock(TimeSpan t) => t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
    }
}
