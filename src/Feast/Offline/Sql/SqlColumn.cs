namespace Feast.Offline.Sql;

/// <summary>A column of a relation: its name and its type as the engine prints it (<c>BIGINT</c>, <c>double precision</c>).</summary>
/// <param name="Name">The column name as stored.</param>
/// <param name="Type">The engine's type name, as its schema query prints it.</param>
public sealed record SqlColumn(string Name, string Type);

/// <summary>One output of a generated SELECT: an expression and the name it is output as.</summary>
/// <param name="Expression">The SQL expression.</param>
/// <param name="Name">The output column name (unquoted).</param>
public sealed record SqlOutput(string Expression, string Name);

/// <summary>A join key of a pull: the stored column holding it and the name it is output as (the view's name for it).</summary>
/// <param name="Stored">The source column, as stored (before the field mapping).</param>
/// <param name="Name">The join key as the view names it.</param>
public sealed record SqlKey(SqlColumn Stored, string Name);

/// <summary>A feature view of a retrieval with its batch source opened as a relation.</summary>
/// <param name="Request">The view's request.</param>
/// <param name="Source">The view's batch source as a relation.</param>
public sealed record SqlViewInput(FeatureViewRequest Request, SqlSourceRelation Source);

/// <summary>
/// The parts of a "latest row per join key" pull, for <see cref="SqlDialect.LatestPerKey"/> to put together with its
/// engine's construct.
/// </summary>
/// <param name="Keys">The join keys (at least one).</param>
/// <param name="Values">Every other output: the features, the event time, then the created time when the source has one.</param>
/// <param name="SelectList">Every output, keys first, as <c>expression AS "name"</c> separated by commas.</param>
/// <param name="From">The <c>FROM ... WHERE ...</c> of the source rows in the window (on two lines).</param>
/// <param name="EventTime">The event time as an instant.</param>
/// <param name="CreatedTime">The created time as an instant, or null when the source has none.</param>
public sealed record SqlLatestQuery(IReadOnlyList<SqlKey> Keys, IReadOnlyList<SqlOutput> Values, string SelectList, string From, string EventTime, string? CreatedTime);
