using System.Diagnostics;
using Feast.Offline;
using Feast.Online;
using Feast.Protos.Types;
using Feast.Registry;
using Feast.Values;
using Microsoft.Extensions.Logging;
using P = Feast.Protos.Core;

namespace Feast.Materialization;

/// <summary>
/// Materialization of one view around its engine: counts the window's rows, has the engine copy them (the local engine
/// in this process, or a distributed one), and records the interval in the registry only after the copy succeeded.
/// </summary>
internal sealed class Materializer(IOfflineStore offline, IBatchEngine engine, IRegistryStore registry, string project,
    TimeProvider time, ILogger logger)
{
    /// <summary>Materializes <paramref name="view"/> over [<paramref name="start"/>, <paramref name="end"/>] and records the interval.</summary>
    /// <remarks>With <paramref name="stampWith"/>, every row is stored with that event timestamp instead of its own (Feast's disable_event_timestamp).</remarks>
    public async Task<(ViewMaterialization Result, RegistryData Registry)> RunAsync(FeatureView view, DateTimeOffset start, DateTimeOffset end,
        IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken, DateTimeOffset? stampWith = null)
    {
        var began = time.GetTimestamp();
        var request = new PullRequest(view.BatchSource, [.. view.JoinKeys], [.. view.Features.Select(f => f.Name)], start, end);
        var total = await offline.CountLatestAsync(request, cancellationToken).ConfigureAwait(false);
        progress?.Report(new MaterializationProgress(view.Name, start, end, 0, total, TimeSpan.Zero, false));

        var engineProgress = progress is null
            ? null
            : new ProgressFiller(p => progress.Report(p with { TotalRows = total, Elapsed = time.GetElapsedTime(began) }));
        var task = new MaterializationTask(project, view, start, end) { StampWith = stampWith };
        var copy = await engine.CopyAsync(task, engineProgress, cancellationToken).ConfigureAwait(false);
        var rows = copy.Rows;
        var written = await RecordAsync(view.Name, start, end, cancellationToken).ConfigureAwait(false);
        var elapsed = time.GetElapsedTime(began);
        progress?.Report(new MaterializationProgress(view.Name, start, end, rows, total ?? rows, elapsed, true)
        {
            RowsByWorker = copy.RowsByWorker.Count > 0 ? copy.RowsByWorker : null,
        });
        MaterializerLog.Materialized(logger, view.Name, rows, start, end, elapsed.TotalSeconds);
        return (new ViewMaterialization(view.Name, start, end, rows, elapsed) { RowsByWorker = copy.RowsByWorker }, written);
    }

    /// <summary>Completes the engine's reports (rows so far) with the window's total and the elapsed time, synchronously.</summary>
    private sealed class ProgressFiller(Action<MaterializationProgress> report) : IProgress<MaterializationProgress>
    {
        public void Report(MaterializationProgress value) => report(value);
    }

    private async Task<RegistryData> RecordAsync(string viewName, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var now = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow());
        return await registry.UpdateAsync(data =>
        {
            var proto = data.Proto;
            var meta = proto.FeatureViews.FirstOrDefault(v => v.Spec.Project == project && v.Spec.Name == viewName) is { } fv
                ? fv.Meta ??= new P.FeatureViewMeta()
                : proto.StreamFeatureViews.FirstOrDefault(v => v.Spec.Project == project && v.Spec.Name == viewName) is { } sfv
                    ? sfv.Meta ??= new P.FeatureViewMeta()
                    : throw new FeatureViewNotFoundException(viewName, project);
            meta.MaterializationIntervals.Add(new P.MaterializationInterval
            {
                StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start),
                EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(end),
            });
            meta.LastUpdatedTimestamp = now;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }
}

internal static partial class MaterializerLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Materialized {Rows} rows of {View} from {Start} to {End} in {Seconds:F2} s")]
    public static partial void Materialized(ILogger logger, string view, long rows, DateTimeOffset start, DateTimeOffset end, double seconds);
}
