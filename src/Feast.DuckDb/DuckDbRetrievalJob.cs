using System.Diagnostics;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// A lazy point-in-time join on DuckDB. Each result call opens a connection, loads in-memory entity rows into a temp
/// table, checks the sources, and runs one SQL statement (<see cref="PointInTimeQuery"/>).
/// </summary>
internal sealed class DuckDbRetrievalJob : RetrievalJob
{
    private readonly DuckDbOfflineStore _store;
    private readonly HistoricalRetrievalRequest _request;

    public DuckDbRetrievalJob(DuckDbOfflineStore store, HistoricalRetrievalRequest request)
    {
        _store = store;
        _request = request;
    }

    /// <inheritdoc/>
    /// <remarks>Reads the schemas of the entity data and the sources (not their rows) to write the statement.</remarks>
    public override string ToSql()
    {
        using var session = _store.OpenSession();
        return Prepare(session, load: false, CancellationToken.None);
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<RecordBatch> ToArrowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var session = _store.OpenSession();
        var sql = Prepare(session, load: true, cancellationToken);
        _store.Logger.RunningRetrieval(_request.Views.Count, sql);
        var start = Stopwatch.GetTimestamp();
        long rows = 0;
        await foreach (var batch in DuckDbOfflineStore.Stream(session, sql, OfflineStep.HistoricalJoin, Subject, cancellationToken).ConfigureAwait(false))
        {
            rows += batch.Length;
            yield return batch;
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        _store.Logger.RetrievalDone(rows, elapsed);
    }

    /// <inheritdoc/>
    public override Task ToParquetAsync(string path, CancellationToken cancellationToken = default) =>
        ExportAsync(path, FileFormats.CopyOptions(FileFormat.Parquet), cancellationToken);

    /// <inheritdoc/>
    public override Task ToCsvAsync(string path, CancellationToken cancellationToken = default) =>
        ExportAsync(path, FileFormats.CopyOptions(FileFormat.Csv), cancellationToken);

    private Task ExportAsync(string path, string format, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // DuckDB.NET has no async execute, so the export runs on the thread pool rather than blocking the caller's
        // await; the token interrupts the running COPY (DuckDbSession cancels the command).
        return Task.Run(() => Export(path, format, cancellationToken), cancellationToken);
    }

    private void Export(string path, string format, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var session = _store.OpenSession();
        var sql = Prepare(session, load: true, cancellationToken);
        _store.Logger.RunningRetrieval(_request.Views.Count, sql);
        var target = Path.GetFullPath(path);
        var elapsed = DuckDbOfflineStore.Time(() =>
            FileWrites.Replace(target, OfflineStep.HistoricalJoin, temp => session.Execute($"COPY (\n{sql}\n) TO {Sql.Literal(temp)} ({format})", cancellationToken),
                Subject));
        _store.Logger.RetrievalExported(target, elapsed);
    }

    /// <summary>The join's views and their sources, for engine-error messages.</summary>
    private string Subject =>
        "The join of " + string.Join(", ", _request.Views.Select(v => $"feature view '{v.NameToUse}' (source '{v.View.BatchSource.Name}')"));

    /// <summary>Opens the entity data and every view's source, validates them, and returns the statement.</summary>
    private string Prepare(DuckDbSession session, bool load, CancellationToken cancellationToken)
    {
        // Without entity rows, the rows come from the views' sources, so those are opened first.
        var range = _request.Entities as TimeRangeEntityData;
        var entity = range is null ? EntityRelation.Open(session, _request.Entities, load, cancellationToken) : null;
        var views = new List<SqlViewInput>(_request.Views.Count);
        foreach (var view in _request.Views)
        {
            var owner = view.NameToUse == view.View.Name ? $"Feature view '{view.View.Name}'" : $"Feature view '{view.View.Name}' (as '{view.NameToUse}')";
            views.Add(new SqlViewInput(view, SourceRelation.Open(session, view.View.BatchSource, _store.RepoPath, owner, cancellationToken)));
        }
        entity ??= EntityRelation.OpenTimeRange(session, range!, SqlTimeRangeQuery.Build(range!, views), cancellationToken);
        var sql = PointInTimeQuery.Build(entity, views, _request.FullFeatureNames);
        if (load)
            entity.ValidateTimestamps(session, cancellationToken);
        return sql;
    }
}

/// <summary>Writes files so readers never see a half-written one: write a sibling temp file, then rename over the target.</summary>
internal static class FileWrites
{
    /// <summary>
    /// Writes <paramref name="target"/> through <paramref name="write"/> (given the temp path). DuckDB and file-system
    /// failures (a folder that cannot be created, no permission) become <see cref="FeastException"/>s naming the step,
    /// <paramref name="subject"/> and the target.
    /// </summary>
    public static void Replace(string target, OfflineStep step, Action<string> write, string subject)
    {
        string? temp = null;
        try
        {
            var directory = Path.GetDirectoryName(target) ?? ".";
            Directory.CreateDirectory(directory);
            temp = Path.Combine(directory, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            write(temp);
            File.Move(temp, target, overwrite: true);
        }
        catch (DuckDbError e)
        {
            throw e.In(step, $"{subject}, writing '{target}'");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FeastException($"{subject}: could not write '{target}' in {EngineErrors.Describe(step)}: {e.Message}", e);
        }
        finally
        {
            if (temp is not null && File.Exists(temp))
                File.Delete(temp);
        }
    }
}
