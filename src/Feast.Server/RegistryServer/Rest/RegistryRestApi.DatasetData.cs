using System.Globalization;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Feast.Offline;
using Microsoft.AspNetCore.Http;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer.Rest;

/// <summary><c>GET /saved_datasets/data/{name}</c>: a sample of a saved dataset's rows, read through the store's offline store.</summary>
internal sealed partial class RegistryRestApi
{
    private static readonly DateTimeOffset EarliestRow = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestRow = new(2300, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// <c>GET /saved_datasets/data/{name}?project=&amp;limit=10</c> (limit 1 to 100): <c>{columns, rows: [{column: value}],
    /// total_rows, sample_size}</c>, the first rows of the dataset's file storage (its join keys, features and
    /// <c>event_timestamp</c>, timestamps written as Python's <c>str</c> writes them). Needs READ_OFFLINE on the dataset,
    /// as Feast's <c>GetDatasetData</c>.
    /// </summary>
    public RequestDelegate DatasetData() => HandleAsync(async (http, ct) =>
    {
        var query = new RestQuery(http.Request);
        var name = http.Request.RouteValues["name"] as string ?? "";
        var project = query.Project;
        var limit = query.Int("limit", 1, 100) ?? 10;
        var registry = await reader.GetAsync(query.Bool("allow_cache", true), ct).ConfigureAwait(false);
        var caller = await access.CallerAsync(http, ct).ConfigureAwait(false);
        var dataset = registry.SavedDatasets.LastOrDefault(d => d.Spec?.Project == project && d.Spec.Name == name)
            ?? throw new FeastNamedNotFoundException("SavedDatasetNotFound", "Saved dataset", name, project);
        access.Assert(caller, registry, project, dataset, AuthzedAction.ReadOffline);
        if (dataset.Spec.Storage?.KindCase != P.SavedDatasetStorage.KindOneofCase.FileStorage || dataset.Spec.Storage.FileStorage.Uri.Length == 0)
            throw new FeastValidationException(
                $"Saved dataset '{name}' is kept in {dataset.Spec.Storage?.KindCase.ToString() ?? "no"} storage; this server reads the rows of file storage only (a Parquet file).");
        var columns = Columns(dataset.Spec);
        var source = new FileSource(state.Store.Config.ResolvePath(dataset.Spec.Storage.FileStorage.Uri), PullRequest.EventTimestampColumn, name: name);
        var request = new PullRequest(source, [.. dataset.Spec.JoinKeys], columns, EarliestRow, LatestRow);
        var rows = new JsonArray();
        var names = new List<string>();
        await foreach (var batch in state.Store.OfflineStore.PullAllAsync(request, ct).ConfigureAwait(false))
        {
            if (names.Count == 0) names.AddRange(batch.Schema.FieldsList.Select(f => f.Name));
            for (var row = 0; row < batch.Length && rows.Count < limit; row++)
            {
                var json = new JsonObject();
                for (var column = 0; column < batch.ColumnCount; column++) json[batch.Schema.GetFieldByIndex(column).Name] = Value(batch.Column(column), row);
                rows.Add(json);
            }
            if (rows.Count >= limit) break;
        }
        return (StatusCodes.Status200OK, new JsonObject
        {
            ["columns"] = new JsonArray([.. names.Select(n => (JsonNode)n)]),
            ["rows"] = rows,
            ["total_rows"] = rows.Count,
            ["sample_size"] = rows.Count,
        });
    });

    /// <summary>The feature columns of a saved dataset: each reference's feature name, or <c>view__feature</c> with full feature names.</summary>
    private static List<string> Columns(P.SavedDatasetSpec spec)
    {
        var columns = new List<string>();
        foreach (var reference in spec.Features)
        {
            var colon = reference.IndexOf(':', StringComparison.Ordinal);
            var column = colon < 0 ? reference : spec.FullFeatureNames ? $"{reference[..colon]}__{reference[(colon + 1)..]}" : reference[(colon + 1)..];
            if (!columns.Contains(column) && !spec.JoinKeys.Contains(column)) columns.Add(column);
        }
        return columns;
    }

    /// <summary>One value as JSON: numbers, strings and booleans as they are, timestamps as pandas' <c>str</c> writes them.</summary>
    private static JsonNode? Value(IArrowArray array, int row)
    {
        if (array.IsNull(row)) return null;
        return array switch
        {
            Int64Array a => a.GetValue(row),
            Int32Array a => a.GetValue(row),
            Int16Array a => a.GetValue(row),
            DoubleArray a => a.GetValue(row),
            FloatArray a => a.GetValue(row),
            BooleanArray a => a.GetValue(row),
            StringArray a => a.GetString(row),
            TimestampArray a when a.GetTimestamp(row) is { } at => Timestamp(at, ((Apache.Arrow.Types.TimestampType)a.Data.DataType).Timezone is { Length: > 0 }),
            Date32Array a when a.GetDateTimeOffset(row) is { } day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            _ => array.Data.DataType.Name,
        };
    }

    private static string Timestamp(DateTimeOffset at, bool zoned)
    {
        var text = at.UtcDateTime.ToString(at.UtcDateTime.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        return zoned ? text + "+00:00" : text;
    }
}
