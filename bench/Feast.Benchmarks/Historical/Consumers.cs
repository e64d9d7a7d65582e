using System.Data.Common;
using Apache.Arrow;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;

namespace Feast.Benchmarks.Historical;

/// <summary>
/// Reads results the way a consumer would: every value of every column is touched (folded into a sink so nothing
/// is skipped), and the checksum columns are accumulated on the way.
/// </summary>
internal sealed class ResultConsumer
{
    private readonly string _intColumn;
    private readonly string _floatColumn;
    private readonly ChecksumBuilder _checksum = new();
    private long _sink;

    public ResultConsumer(string intColumn, string floatColumn)
    {
        _intColumn = intColumn;
        _floatColumn = floatColumn;
    }

    public long Rows => _checksum.Rows;

    /// <summary>Keeps the JIT from dropping the reads; printed nowhere.</summary>
    public long Sink => _sink;

    public Checksum Checksum => _checksum.Build();

    /// <summary>Touches every value of an Arrow record batch.</summary>
    public void Consume(RecordBatch batch)
    {
        var first = _checksum.Rows;
        var sink = 0L;
        for (var c = 0; c < batch.ColumnCount; c++)
        {
            var array = batch.Column(c);
            var name = batch.Schema.FieldsList[c].Name;
            switch (array)
            {
                case Int64Array a:
                {
                    var values = a.Values;
                    var check = name == _intColumn;
                    for (var i = 0; i < a.Length; i++)
                    {
                        if (!a.IsValid(i))
                            continue;
                        sink += values[i];
                        if (check)
                            _checksum.AddInt(first + i, values[i]);
                    }
                    break;
                }
                case FloatArray a:
                {
                    var values = a.Values;
                    var check = name == _floatColumn;
                    for (var i = 0; i < a.Length; i++)
                    {
                        if (!a.IsValid(i))
                            continue;
                        sink += BitConverter.SingleToInt32Bits(values[i]);
                        if (check)
                            _checksum.AddFloat(first + i, values[i]);
                    }
                    break;
                }
                case TimestampArray a:
                {
                    var values = a.Values;
                    for (var i = 0; i < a.Length; i++)
                    {
                        if (a.IsValid(i))
                            sink += values[i];
                    }
                    break;
                }
                default:
                    for (var i = 0; i < array.Length; i++)
                        sink += array.IsNull(i) ? 1 : 0;
                    break;
            }
        }
        _sink += sink;
        _checksum.AddRows(batch.Length);
    }

    /// <summary>Reads every row of <paramref name="reader"/>, touching every value through its typed getter.</summary>
    public void Consume(DbDataReader reader, CaseContext? context)
    {
        var columns = reader.FieldCount;
        var kinds = new ValueKind[columns];
        for (var c = 0; c < columns; c++)
        {
            var type = reader.GetFieldType(c);
            kinds[c] = type == typeof(long) ? ValueKind.Int64
                : type == typeof(float) ? ValueKind.Float
                : type == typeof(double) ? ValueKind.Double
                : type == typeof(DateTime) ? ValueKind.DateTime
                : type == typeof(DateTimeOffset) ? ValueKind.DateTimeOffset
                : ValueKind.Other;
        }
        var intOrdinal = reader.GetOrdinal(_intColumn);
        var floatOrdinal = reader.GetOrdinal(_floatColumn);

        var row = 0L;
        var sink = 0L;
        while (reader.Read())
        {
            if (row == 0)
                context?.FirstBatch();
            for (var c = 0; c < columns; c++)
            {
                if (reader.IsDBNull(c))
                    continue;
                switch (kinds[c])
                {
                    case ValueKind.Int64:
                        var l = reader.GetInt64(c);
                        sink += l;
                        if (c == intOrdinal)
                            _checksum.AddInt(row, l);
                        break;
                    case ValueKind.Float:
                        var f = reader.GetFloat(c);
                        sink += BitConverter.SingleToInt32Bits(f);
                        if (c == floatOrdinal)
                            _checksum.AddFloat(row, f);
                        break;
                    case ValueKind.Double:
                        sink += BitConverter.DoubleToInt64Bits(reader.GetDouble(c));
                        break;
                    case ValueKind.DateTime:
                        sink += reader.GetDateTime(c).Ticks;
                        break;
                    case ValueKind.DateTimeOffset:
                        sink += reader.GetFieldValue<DateTimeOffset>(c).UtcTicks;
                        break;
                    default:
                        sink += reader.GetValue(c).GetHashCode();
                        break;
                }
            }
            row++;
        }
        _sink += sink;
        _checksum.AddRows(row);
    }

    /// <summary>The same checksum, computed by DuckDB over an exported Parquet file.</summary>
    public static Checksum OfParquet(string path, string intColumn, string floatColumn)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT count(*), count("{intColumn}"), coalesce(sum((file_row_number + 1) * "{intColumn}"), 0)::BIGINT,
                   count("{floatColumn}"), coalesce(sum((file_row_number + 1) * round("{floatColumn}" * 10)::BIGINT), 0)::BIGINT
            FROM read_parquet({DataSets.Literal(path)}, file_row_number = true)
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return new Checksum(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    private enum ValueKind
    {
        Other,
        Int64,
        Float,
        Double,
        DateTime,
        DateTimeOffset,
    }
}
