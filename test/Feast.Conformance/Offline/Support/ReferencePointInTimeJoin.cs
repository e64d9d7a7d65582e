using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>One view's part in a reference join: what is asked for, and the source rows as they are in the file.</summary>
/// <param name="Request">The view, its projection (alias, join-key map) and the requested features.</param>
/// <param name="Source">The rows of the view's batch source, under the source's own column names.</param>
internal sealed record ReferenceView(FeatureViewRequest Request, TestTable Source);

/// <summary>
/// Feast's point-in-time join (FEAST-FORMATS.md §7.3–7.4), written to be obviously correct rather than fast: nested loops
/// over in-memory rows. For each entity row with timestamp T and each view, the candidates are the source rows whose
/// join keys equal the entity row's (every row for an entity-less view) and whose event timestamp ts satisfies
/// ts &lt;= T and, when the view's TTL is non-zero, ts &gt;= T - ttl (both bounds inclusive). The winner has the greatest
/// ts, ties broken by the greatest created timestamp; no candidate gives nulls. Rows keep the input order; columns are
/// every entity column, then the features in request order, named <c>feature</c> or <c>{alias or view}__{feature}</c>.
/// </summary>
internal static class ReferencePointInTimeJoin
{
    public const string EventTimestamp = "event_timestamp";

    public static TestTable Join(TestTable entities, IReadOnlyList<ReferenceView> views, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(entities);
        ArgumentNullException.ThrowIfNull(views);
        var timestampColumn = EntityTimestampColumn(entities);

        var columns = new List<TestColumn>(entities.Columns);
        foreach (var view in views)
        {
            foreach (var feature in view.Request.Features)
                columns.Add(new TestColumn(view.Request.OutputName(feature, fullFeatureNames), SourceColumn(view, feature.Name).Type));
        }
        var result = new TestTable(columns);

        for (var row = 0; row < entities.Count; row++)
        {
            var output = new List<object?>(entities.Rows[row]);
            var value = entities.Get(row, timestampColumn)
                ?? throw new InvalidOperationException($"Entity row {row} has no timestamp: {entities.Describe(row)}.");
            var t = Values.Instant(value);
            foreach (var view in views)
            {
                var match = Latest(entities, row, t, view);
                foreach (var feature in view.Request.Features)
                    output.Add(match is null ? null : match[SourceIndex(view, feature.Name)]);
            }
            result.Add([.. output]);
        }
        return result;
    }

    /// <summary>
    /// The entity rows of a retrieval without entity rows (Feast's start_date/end_date): every distinct (event timestamp,
    /// join keys) of the views' source rows with the time in [start, end], ordered by time, then keys. Views with join keys
    /// supply the rows (all must share them); entity-less views supply times only when no view has keys.
    /// </summary>
    public static TestTable RangeEntities(IReadOnlyList<ReferenceView> views, DateTimeOffset start, DateTimeOffset end)
    {
        ArgumentNullException.ThrowIfNull(views);
        var keyed = views.Where(v => !v.Request.View.IsEntityless).ToList();
        var suppliers = keyed.Count > 0 ? keyed : [.. views];
        var keys = keyed.Count > 0 ? keyed[0].Request.JoinColumns.Select(c => c.EntityColumn).ToList() : [];
        var columns = new List<TestColumn> { new(EventTimestamp, ColumnType.Timestamp) };
        columns.AddRange(keys.Select(k => suppliers[0].Source.Columns[SourceIndex(suppliers[0], suppliers[0].Request.JoinColumns.First(c => c.EntityColumn == k).JoinKey)] with { Name = k }));
        var rows = new List<object?[]>();
        foreach (var view in suppliers)
        {
            var timestamp = SourceIndex(view, view.Request.View.BatchSource.TimestampField);
            var keyIndexes = keys.Select(k => SourceIndex(view, view.Request.JoinColumns.First(c => c.EntityColumn == k).JoinKey)).ToList();
            foreach (var row in view.Source.Rows)
            {
                var t = Values.Instant(row[timestamp]!);
                if (t >= start && t <= end) rows.Add([t, .. keyIndexes.Select(i => row[i])]);
            }
        }
        var table = new TestTable(columns);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows.OrderBy(r => (DateTimeOffset)r[0]!).ThenBy(r => string.Join("|", r.Skip(1).Select(Values.Format)), StringComparer.Ordinal))
        {
            if (seen.Add(string.Join("|", row.Select(Values.Format)))) table.Add(row);
        }
        return table;
    }

    /// <summary>Feast's rule (§7.2): <c>event_timestamp</c> if present, else the only timestamp column.</summary>
    public static string EntityTimestampColumn(TestTable entities)
    {
        ArgumentNullException.ThrowIfNull(entities);
        if (entities.Has(EventTimestamp)) return EventTimestamp;
        var timestamps = entities.Columns.Where(c => c.Type == ColumnType.Timestamp).ToList();
        return timestamps.Count == 1
            ? timestamps[0].Name
            : throw new InvalidOperationException($"The entity rows have no '{EventTimestamp}' column and {timestamps.Count} timestamp columns; exactly one is needed.");
    }

    /// <summary>The winning source row for one entity row and one view, or null.</summary>
    private static object?[]? Latest(TestTable entities, int row, DateTimeOffset t, ReferenceView view)
    {
        var source = view.Source;
        var batch = view.Request.View.BatchSource;
        var timestampIndex = SourceIndex(view, batch.TimestampField);
        var createdIndex = batch.CreatedTimestampColumn.Length > 0 ? SourceIndex(view, batch.CreatedTimestampColumn) : -1;
        var keys = view.Request.JoinColumns
            .Select(k => (Source: SourceIndex(view, k.JoinKey), Entity: entities.Get(row, k.EntityColumn)))
            .ToList();
        var ttl = view.Request.View.Ttl;

        object?[]? best = null;
        DateTimeOffset bestTs = default, bestCreated = default;
        var ambiguous = false;
        foreach (var candidate in source.Rows)
        {
            if (!keys.All(k => Values.KeyEquals(k.Entity, candidate[k.Source]))) continue;
            var ts = Values.Instant(candidate[timestampIndex] ?? throw new InvalidOperationException("A source row has a null event timestamp."));
            if (ts > t) continue;
            if (ttl > TimeSpan.Zero && ts < t - ttl) continue;
            var created = createdIndex < 0 ? default : Values.Instant(candidate[createdIndex] ?? throw new InvalidOperationException("A source row has a null created timestamp."));

            if (best is null || ts > bestTs || (ts == bestTs && created > bestCreated))
            {
                (best, bestTs, bestCreated, ambiguous) = (candidate, ts, created, false);
            }
            else if (ts == bestTs && created == bestCreated && !SameFeatures(view, best, candidate))
            {
                ambiguous = true;
            }
        }
        // Feast leaves a full tie to chance; test data must not contain one, or no store could be checked against it.
        if (ambiguous)
            throw new InvalidOperationException($"View '{view.Request.View.Name}': entity row {row} ({entities.Describe(row)}) ties between source rows with equal event and created timestamps but different features; the result would be arbitrary.");
        return best;
    }

    private static bool SameFeatures(ReferenceView view, object?[] left, object?[] right) =>
        view.Request.Features.All(f => Values.Same(left[SourceIndex(view, f.Name)], right[SourceIndex(view, f.Name)]));

    /// <summary>The source column holding <paramref name="name"/> (a feature, join key or timestamp) after the source's field mapping.</summary>
    public static int SourceIndex(ReferenceView view, string name)
    {
        ArgumentNullException.ThrowIfNull(view);
        var mapping = view.Request.View.BatchSource.FieldMapping;
        for (var i = 0; i < view.Source.Columns.Count; i++)
        {
            var raw = view.Source.Columns[i].Name;
            var mapped = mapping.TryGetValue(raw, out var renamed) ? renamed : raw;
            if (mapped == name) return i;
        }
        // Timestamp fields name the raw column, whether or not the mapping also renames it.
        var index = view.Source.IndexOf(name);
        return index >= 0 ? index
            : throw new InvalidOperationException($"View '{view.Request.View.Name}': its source has no column for '{name}' (columns: {string.Join(", ", view.Source.ColumnNames)}).");
    }

    private static TestColumn SourceColumn(ReferenceView view, string name) => view.Source.Columns[SourceIndex(view, name)];
}
