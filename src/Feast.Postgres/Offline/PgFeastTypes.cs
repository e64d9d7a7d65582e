using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.Postgres.Offline;

/// <summary>
/// PostgreSQL column types as Feast types, for schema inference at apply: Feast's own mapping for
/// <c>PostgreSQLSource</c> (<c>bigint</c> → Int64, <c>integer</c> and <c>smallint</c> → Int32, <c>real</c> → Float32,
/// <c>double precision</c> and <c>numeric</c> → Float64, text types → String, dates and timestamps → UnixTimestamp,
/// arrays → Array(...)), except that <c>json</c>/<c>jsonb</c> are read as Json text.
/// </summary>
internal static class PgFeastTypes
{
    /// <summary>The column as a <see cref="SourceColumn"/>.</summary>
    public static SourceColumn Column(SqlColumn column) =>
        new(column.Name, Of(column.Type), column.Type)
        {
            IsTimestamp = PgTypes.IsTimestamp(column.Type),
            IsTimeLike = PgTypes.IsTimeLike(column.Type),
        };

    /// <summary>The Feast type of a PostgreSQL type name, or <see cref="FeastType.Invalid"/> when Feast has none for it.</summary>
    public static FeastType Of(string pgType)
    {
        var type = PgTypes.Base(pgType);
        if (type.EndsWith("[]", StringComparison.Ordinal))
        {
            var element = Of(type[..^2]);
            return element == FeastType.Invalid ? FeastType.Invalid : FeastType.Array(element);
        }
        return type switch
        {
            "boolean" => FeastType.Bool,
            "bytea" => FeastType.Bytes,
            "bigint" => FeastType.Int64,
            "smallint" or "integer" => FeastType.Int32,
            "real" => FeastType.Float32,
            "double precision" or "numeric" => FeastType.Float64,
            "text" or "character varying" or "character" or "char" or "name" => FeastType.String,
            "date" or "time without time zone" or "timestamp without time zone" or "timestamp with time zone" => FeastType.UnixTimestamp,
            "uuid" => FeastType.Uuid,
            "json" or "jsonb" => FeastType.Json,
            _ => FeastType.Invalid,
        };
    }
}
