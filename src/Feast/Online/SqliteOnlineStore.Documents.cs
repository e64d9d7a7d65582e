// SqliteOnlineStore: document search (Feast's retrieve_online_documents) - exact vector top-k and FTS5 text search.
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Feast.Online;

public sealed partial class SqliteOnlineStore : IDocumentStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// A vector search is exact: it scans the vector feature's rows (<c>vector_value</c>, or the float list in
    /// <c>value</c> for rows written before vector_enabled) and keeps the best k, for every metric. Feast instead copies
    /// the vectors into a sqlite-vec <c>vec_table</c> on every query and always ranks by L2. A text search ranks the
    /// view's string features (their <c>value_text</c>) with FTS5's bm25 and the porter tokenizer, as Feast does, in a
    /// temporary table of the reading connection, so the database file is never written by a search.
    /// </remarks>
    public Task<IReadOnlyList<DocumentMatch>> SearchDocumentsAsync(string project, FeatureView view, DocumentQuery query,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(query);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (query.TopK < 1) throw new FeastValidationException($"top_k must be at least 1 (got {query.TopK}).");
        var table = TableName(project, view.Name);
        var reader = RentReader();
        var healthy = false;
        try
        {
            IReadOnlyList<DocumentMatch> matches;
            if (query.Vector is { } vector)
            {
                if (!VectorEnabled)
                    throw new FeastValidationException("Vector search needs `vector_enabled: true` under online_store in feature_store.yaml (then write or materialize the vectors again).");
                matches = SearchVectors(reader.Connection, table, query.VectorField ?? throw new ArgumentException("A vector query names its VectorField.", nameof(query)),
                    vector, query, cancellationToken);
            }
            else if (query.Text is { } text)
            {
                if (!TextSearchEnabled)
                    throw new FeastValidationException("Text search needs `text_search_enabled: true` under online_store in feature_store.yaml.");
                if (query.TextFields.Count == 0)
                    throw new FeastValidationException($"Feature view '{view.Name}' has no String feature for a text search to match.");
                matches = SearchText(reader.Connection, table, text, query, cancellationToken);
            }
            else
            {
                throw new FeastValidationException("A document search needs a query vector or a query string.");
            }
            healthy = true;
            return Task.FromResult(matches);
        }
        catch (SqliteException e)
        {
            throw IsMissingTable(e) ? MissingTable(table, view.Name, e) : new FeastException(
                $"Searching table {table} of the SQLite online store {Path} failed: {e.Message}", e);
        }
        finally
        {
            ReturnReader(reader, healthy);
        }
    }

    private static List<DocumentMatch> SearchVectors(SqliteConnection connection, string table, string field, IReadOnlyList<float> vector,
        DocumentQuery query, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT entity_key, vector_value, value FROM ").Append(Quote(table)).Append(" WHERE feature_name = $field");
        command.Parameters.AddWithValue("$field", field);
        if (query.Filter is { } filter) sql.Append(" AND ").Append(FilterSql(table, "entity_key", filter, command));
        command.CommandText = sql.ToString();

        var q = vector.ToArray();
        var best = new TopK(query.TopK);
        using var rows = command.ExecuteReader();
        var seen = 0;
        while (rows.Read())
        {
            if ((++seen & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
            var key = (byte[])rows.GetValue(0);
            var isBlob = !rows.IsDBNull(1) && rows.GetFieldType(1) == typeof(byte[]);
            var stored = StoredVector(isBlob ? (byte[])rows.GetValue(1) : [], isBlob, rows.IsDBNull(2) ? [] : (byte[])rows.GetValue(2));
            if (stored is null) continue;
            if (stored.Length != q.Length)
                throw new FeastValidationException(
                    $"The query vector has {q.Length} values but '{field}' stores vectors of {stored.Length} in table {table}. Embed the query with the model the documents were embedded with.");
            best.Offer(key, VectorDistance.Of(query.Metric, q, stored));
        }
        return best.Sorted();
    }

    private static List<DocumentMatch> SearchText(SqliteConnection connection, string table, string text, DocumentQuery query,
        CancellationToken cancellationToken)
    {
        const string Fts = "temp.feast_document_search";
        Execute(connection, null, $"DROP TABLE IF EXISTS {Fts}");
        var columns = string.Join(", ", query.TextFields.Select(Quote));
        Execute(connection, null, $"CREATE VIRTUAL TABLE {Fts} USING fts5(entity_key UNINDEXED, {columns}, tokenize = 'porter unicode61')");
        try
        {
            using (var fill = connection.CreateCommand())
            {
                var sql = new StringBuilder("INSERT INTO ").Append(Fts).Append(" (entity_key, ").Append(columns).Append(") SELECT entity_key");
                for (var i = 0; i < query.TextFields.Count; i++)
                {
                    sql.Append(CultureInfo.InvariantCulture, $", MAX(CASE WHEN feature_name = $t{i} THEN value_text END)");
                    fill.Parameters.AddWithValue($"$t{i}", query.TextFields[i]);
                }
                sql.Append(" FROM ").Append(Quote(table)).Append(" WHERE feature_name IN (")
                    .AppendJoin(", ", query.TextFields.Select((_, i) => $"$t{i}")).Append(')');
                if (query.Filter is { } filter) sql.Append(" AND ").Append(FilterSql(table, "entity_key", filter, fill));
                fill.CommandText = sql.Append(" GROUP BY entity_key").ToString();
                fill.ExecuteNonQuery();
            }
            cancellationToken.ThrowIfCancellationRequested();
            using var search = connection.CreateCommand();
            search.CommandText = $"SELECT entity_key, bm25(feast_document_search) AS rank FROM {Fts} WHERE feast_document_search MATCH $q ORDER BY rank, entity_key LIMIT $k";
            search.Parameters.AddWithValue("$q", text);
            search.Parameters.AddWithValue("$k", query.TopK);
            var matches = new List<DocumentMatch>();
            try
            {
                using var rows = search.ExecuteReader();
                while (rows.Read()) matches.Add(new DocumentMatch((byte[])rows.GetValue(0), rows.GetDouble(1)));
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 1)
            {
                // The table was just filled, so a plain SQL error here is the MATCH expression's (FTS5 query syntax).
                throw new FeastValidationException(
                    $"The query string '{text}' is not a valid full-text query ({e.Message.Replace("SQLite Error 1: ", "", StringComparison.Ordinal).Trim('\'', '.')}). Use plain words, or put a phrase in double quotes.");
            }
            return matches;
        }
        finally
        {
            Execute(connection, null, $"DROP TABLE IF EXISTS {Fts}");
        }
    }

    /// <summary>
    /// A SQL condition on <paramref name="keyColumn"/> for <paramref name="filter"/>: an entity passes a comparison when
    /// its row of the compared feature does (Feast's SQLite translation). Numbers compare the value text as a number
    /// (only for rows whose text is a number), booleans compare Feast's <c>True</c>/<c>False</c> text, strings the text.
    /// </summary>
    private static string FilterSql(string table, string keyColumn, DocumentFilter filter, SqliteCommand command)
    {
        switch (filter)
        {
            case CompoundFilter compound:
                if (compound.Filters.Count == 0) return "1";
                return "(" + string.Join(compound.Type == "and" ? " AND " : " OR ",
                    compound.Filters.Select(f => FilterSql(table, keyColumn, f, command))) + ")";
            case ComparisonFilter comparison:
                var key = Parameter(command, comparison.Key);
                string condition;
                if (comparison.Type is "in" or "nin")
                {
                    var items = (object?[])comparison.Value!;
                    var any = items.Length == 0 ? "0" : "(" + string.Join(" OR ", items.Select(item => Compare("=", item, command))) + ")";
                    condition = comparison.Type == "in" ? any : $"NOT {any}";
                }
                else
                {
                    var op = comparison.Type switch { "eq" => "=", "ne" => "!=", "gt" => ">", "gte" => ">=", "lt" => "<", _ => "<=" };
                    condition = Compare(op, comparison.Value, command);
                }
                return $"{keyColumn} IN (SELECT entity_key FROM {Quote(table)} WHERE feature_name = {key} AND {condition})";
            default:
                throw new FeastValidationException($"Unknown filter kind {filter.GetType().Name}.");
        }
    }

    private static string Compare(string op, object? value, SqliteCommand command) => value switch
    {
        bool b => $"value_text {op} {Parameter(command, b ? "True" : "False")}",
        string s => $"value_text {op} {Parameter(command, s)}",
        _ => $"(value_text <> '' AND value_text NOT GLOB '*[^0-9eE.+-]*' AND CAST(value_text AS REAL) {op} {Parameter(command, Convert.ToDouble(value, CultureInfo.InvariantCulture))})",
    };

    private static string Parameter(SqliteCommand command, object value)
    {
        var name = "$f" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        command.Parameters.AddWithValue(name, value);
        return name;
    }

    /// <summary>The k best (smallest distance, then smallest key) of the candidates offered.</summary>
    private sealed class TopK(int k)
    {
        private static readonly Comparer<DocumentMatch> Worst = Comparer<DocumentMatch>.Create((a, b) => Order(b, a));
        private readonly PriorityQueue<DocumentMatch, DocumentMatch> _heap = new(Worst);

        public void Offer(byte[] key, double distance)
        {
            var match = new DocumentMatch(key, distance);
            if (_heap.Count < k)
            {
                _heap.Enqueue(match, match);
            }
            else if (Order(match, _heap.Peek()) < 0)
            {
                _heap.DequeueEnqueue(match, match);
            }
        }

        public List<DocumentMatch> Sorted()
        {
            var all = new List<DocumentMatch>(_heap.Count);
            while (_heap.TryDequeue(out var match, out _)) all.Add(match);
            all.Sort(Order);
            return all;
        }

        private static int Order(DocumentMatch a, DocumentMatch b)
        {
            var byDistance = a.Distance.CompareTo(b.Distance);
            return byDistance != 0 ? byDistance : a.EntityKey.AsSpan().SequenceCompareTo(b.EntityKey);
        }
    }
}
