using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// DuckDB column types (as <c>DESCRIBE</c> prints them) as Feast types, for schema inference at apply. Follows what
/// Feast infers from the Arrow types of a Parquet file (int64 → Int64, float → Float32, timestamp → UnixTimestamp,
/// list&lt;int64&gt; → Array(Int64), ...), widened to DuckDB's other integer, decimal and text types.
/// </summary>
internal static class DuckDbFeastTypes
{
    /// <summary>The column as a <see cref="SourceColumn"/>.</summary>
    public static SourceColumn Column(SqlColumn column) =>
        new(column.Name, Of(column.Type), column.Type)
        {
            IsTimestamp = Sql.IsTimestamp(column.Type),
            // What the point-in-time join and the pulls accept as an event or created time.
            IsTimeLike = DuckDbDialect.Instance.IsEventTimeType(column.Type),
        };

    /// <summary>The Feast type of a DuckDB type, or <see cref="FeastType.Invalid"/> when Feast.NET reads it as none.</summary>
    public static FeastType Of(string duckType)
    {
        var type = duckType.Trim();
        if (type.EndsWith("[]", StringComparison.Ordinal))
        {
            var element = Of(type[..^2]);
            return element == FeastType.Invalid || element.ElementType is not null ? FeastType.Invalid : FeastType.Array(element);
        }
        if (type.StartsWith("DECIMAL", StringComparison.OrdinalIgnoreCase))
            return FeastType.Float64;
        if (Sql.IsTimestamp(type))
            return FeastType.UnixTimestamp;
        return type.ToUpperInvariant() switch
        {
            "BIGINT" or "UINTEGER" or "UBIGINT" or "HUGEINT" or "UHUGEINT" => FeastType.Int64,
            "INTEGER" or "SMALLINT" or "TINYINT" or "USMALLINT" or "UTINYINT" => FeastType.Int32,
            "DOUBLE" => FeastType.Float64,
            "FLOAT" => FeastType.Float32,
            "VARCHAR" or "UUID" or "JSON" => FeastType.String,
            "BLOB" => FeastType.Bytes,
            "BOOLEAN" => FeastType.Bool,
            "DATE" => FeastType.UnixTimestamp,
            _ => FeastType.Invalid,
        };
    }
}
