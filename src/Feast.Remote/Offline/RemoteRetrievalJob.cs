using System.Runtime.CompilerServices;
using Apache.Arrow;
using Feast.Offline;

namespace Feast.Remote.Offline;

/// <summary>
/// Training data from an offline server: each read of the result sends Feast's <c>get_historical_features</c> (the entity
/// rows put on the command, or <c>start_date</c>/<c>end_date</c> without them) and streams the answer. The server is
/// asked for full feature names and the columns are renamed here to what the request asks (aliases, short names, the
/// <c>view__feature</c> inputs of on-demand views), so projections need no support on the server.
/// </summary>
internal sealed class RemoteRetrievalJob(OfflineFlightClient client, string project, HistoricalRetrievalRequest request) : RetrievalJob
{
    private const string Api = "get_historical_features";

    /// <inheritdoc/>
    public override async IAsyncEnumerable<RecordBatch> ToArrowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (parameters, table, names) = Command();
        await foreach (var batch in client.GetAsync(Api, parameters, table, cancellationToken).ConfigureAwait(false))
            yield return Columns.Renamed(batch, names);
    }

    /// <inheritdoc/>
    public override string ToSql() =>
        $"-- computed by the offline server at {client.Address.Authority} ({Api} of {string.Join(", ", References())})";

    private IEnumerable<string> References() =>
        request.Views.SelectMany(v => v.Features.Select(f => $"{v.View.Name}:{f.Name}")).Distinct(StringComparer.Ordinal);

    private (Dictionary<string, object?> Parameters, OutgoingTable? Table, Dictionary<string, string> Names) Command()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var view in request.Views)
        {
            if (view.Projection.JoinKeyMap.Count > 0)
                throw new FeastValidationException(
                    $"The remote offline store cannot retrieve '{view.NameToUse}' with a join-key map (WithJoinKeyMap): Feast's offline server protocol has no way to send it. Rename the entity columns to the view's join keys instead.");
            foreach (var feature in view.Features)
                names[$"{view.View.Name}__{feature.Name}"] = view.OutputName(feature, request.FullFeatureNames);
        }
        var viewNames = request.Views.Select(v => v.View.Name).Distinct(StringComparer.Ordinal).ToList();
        var parameters = new Dictionary<string, object?>
        {
            ["feature_view_names"] = viewNames,
            ["feature_refs"] = References().ToList(),
            ["project"] = project,
            ["full_feature_names"] = true,
            ["name_aliases"] = viewNames.Select(_ => (string?)null).ToList(),
        };
        OutgoingTable? table = null;
        switch (request.Entities)
        {
            case ArrowEntityData arrow:
                table = new OutgoingTable(arrow.Schema, arrow.Batches);
                break;
            case TimeRangeEntityData range:
                parameters["start_date"] = RemoteOfflineStore.IsoDate(range.Start);
                parameters["end_date"] = RemoteOfflineStore.IsoDate(range.End);
                break;
            case SqlEntityData sql:
                parameters["entity_df_sql"] = sql.Query;
                break;
            case FileEntityData file:
                throw new FeastValidationException(
                    $"The remote offline store cannot send the entity file '{file.Path}': the offline server reads entity rows sent as Arrow. Read the file and pass EntityData.FromArrow(...) or FromDataFrame(...).");
        }
        return (parameters, table, names);
    }
}
