using System.Runtime.CompilerServices;
using Apache.Arrow;
using Feast.Offline;
using Feast.Offline.Sql;
using Npgsql;

namespace Feast.Postgres.Offline;

/// <summary>
/// A historical retrieval on PostgreSQL. Each read takes a connection, uploads the entity rows (or runs the entity
/// query), runs the one point-in-time statement and streams its rows as Arrow batches.
/// </summary>
internal sealed class PostgresRetrievalJob(PostgresOfflineStore store, HistoricalRetrievalRequest request) : RetrievalJob
{
    /// <inheritdoc/>
    public override async IAsyncEnumerable<RecordBatch> ToArrowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var connection = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            string sql;
            try
            {
                sql = await PrepareAsync(connection, load: true, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                // Uploading or copying the entity rows (a failing entity query surfaces here).
                throw PostgresErrors.In(e, OfflineStep.HistoricalJoin, "The entity rows");
            }
            using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await foreach (var batch in PostgresOfflineStore.Stream(command, OfflineStep.HistoricalJoin, Subject, cancellationToken).ConfigureAwait(false))
                yield return batch;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Opens a connection to read the schemas of the sources and entity data; Arrow entity rows are not uploaded, and the
    /// statement reads them from the temp table <c>__feast_entity_rows</c> that a run creates.
    /// </remarks>
    public override string ToSql() =>
        Task.Run(async () =>
        {
            var connection = await store.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
                return await PrepareAsync(connection, load: false, CancellationToken.None).ConfigureAwait(false);
        }).GetAwaiter().GetResult();


    /// <summary>The join's views and their sources, for engine-error messages.</summary>
    private string Subject =>
        "The join of " + string.Join(", ", request.Views.Select(v => $"feature view '{v.NameToUse}' (source '{v.View.BatchSource.Name}')"));

    private async Task<string> PrepareAsync(NpgsqlConnection connection, bool load, CancellationToken cancellationToken)
    {
        // Sources first: a missing table or column is reported before any entity row is uploaded.
        var views = new List<SqlViewInput>(request.Views.Count);
        foreach (var view in request.Views)
        {
            var owner = view.NameToUse == view.View.Name ? $"Feature view '{view.View.Name}'" : $"Feature view '{view.View.Name}' (as '{view.NameToUse}')";
            views.Add(new(view, await PgSourceRelation.OpenAsync(connection, view.View.BatchSource, owner, cancellationToken).ConfigureAwait(false)));
        }
        // Without entity rows, the rows are a query over the views' sources, run like entity SQL.
        var entities = request.Entities is TimeRangeEntityData range ? EntityData.FromSql(SqlTimeRangeQuery.Build(range, views)) : request.Entities;
        var entity = await PgEntityRelation.OpenAsync(connection, entities, store.EmbedQuery, load, cancellationToken).ConfigureAwait(false);
        return PgPointInTimeQuery.Build(entity, views, request.FullFeatureNames);
    }
}
