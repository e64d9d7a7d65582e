using Apache.Arrow;
using Feast.Offline;

namespace Feast.Remote.Offline;

/// <summary>Column work on the batches an offline server sends: renames, and the source-columns table.</summary>
internal static class Columns
{
    /// <summary><paramref name="batch"/> with the columns of <paramref name="names"/> renamed (its arrays reused, not copied).</summary>
    public static RecordBatch Renamed(RecordBatch batch, IReadOnlyDictionary<string, string> names)
    {
        var fields = batch.Schema.FieldsList;
        if (!fields.Any(f => names.TryGetValue(f.Name, out var to) && to != f.Name)) return batch;
        var schema = new Schema(fields.Select(f => names.TryGetValue(f.Name, out var to) ? new Apache.Arrow.Field(to, f.DataType, f.IsNullable, f.Metadata) : f), batch.Schema.Metadata);
        return new RecordBatch(schema, batch.Arrays, batch.Length);
    }

    /// <summary>
    /// The columns of a <c>get_table_column_names_and_types_from_data_source</c> answer: Feast's <c>name</c> and
    /// <c>type</c>, with Feast.NET's <c>feast_value_type</c>, <c>is_timestamp</c> and <c>is_time_like</c> when the
    /// server sends them; from a server that does not (Python's), the Feast type is read from the type name.
    /// </summary>
    public static IEnumerable<SourceColumn> SourceColumns(RecordBatch batch)
    {
        var names = (StringArray)batch.Column("name");
        var types = (StringArray)batch.Column("type");
        var valueTypes = batch.Schema.GetFieldIndex("feast_value_type") >= 0 ? (Int32Array)batch.Column("feast_value_type") : null;
        var timestamps = batch.Schema.GetFieldIndex("is_timestamp") >= 0 ? (BooleanArray)batch.Column("is_timestamp") : null;
        var timeLike = batch.Schema.GetFieldIndex("is_time_like") >= 0 ? (BooleanArray)batch.Column("is_time_like") : null;
        for (var i = 0; i < batch.Length; i++)
        {
            var type = types.GetString(i) ?? "";
            var isTimestamp = timestamps?.GetValue(i) ?? type.StartsWith("timestamp", StringComparison.OrdinalIgnoreCase);
            yield return new SourceColumn(names.GetString(i) ?? "",
                valueTypes?.GetValue(i) is { } value ? FeastType.FromValueType((ValueType)value) : FromName(type), type)
            {
                IsTimestamp = isTimestamp,
                IsTimeLike = timeLike?.GetValue(i) ?? (isTimestamp || type.StartsWith("date", StringComparison.OrdinalIgnoreCase)),
            };
        }
    }

    // Arrow's names (Python's file sources) and PostgreSQL's (Python's PostgreSQL sources).
    private static FeastType FromName(string type) => type.ToLowerInvariant() switch
    {
        "int64" or "bigint" or "int8" => FeastType.Int64,
        "int32" or "integer" or "int4" or "int" or "int16" or "smallint" => FeastType.Int32,
        "double" or "double precision" or "float8" => FeastType.Float64,
        "float" or "real" or "float4" => FeastType.Float32,
        "string" or "large_string" or "text" or "character varying" or "varchar" => FeastType.String,
        "bool" or "boolean" => FeastType.Bool,
        "binary" or "large_binary" or "bytea" => FeastType.Bytes,
        var t when t.StartsWith("timestamp", StringComparison.Ordinal) => FeastType.UnixTimestamp,
        _ => FeastType.Invalid,
    };
}
