using Parquet;
using Parquet.Schema;

namespace Feast.Transformations;

/// <summary>
/// Writes Parquet timestamp columns with Parquet.Net so that their statistics are right: the file's column is an INT64
/// <c>TIMESTAMP(MICROS)</c> (UTC-adjusted or naive), and the values are given as microseconds since the Unix epoch.
/// </summary>
/// <remarks>
/// Parquet.Net 6.1 encodes the row-group and page min/max of a <see cref="DateTime"/> column in milliseconds whatever
/// the column's unit (aloneguid/parquet-dotnet#769). A reader that prunes by statistics, such as DuckDB, then takes a
/// microsecond column's min/max for dates in January 1970 and skips every row group when a query filters on a later
/// time range, so rows vanish without an error. Written as <see cref="long"/> values, the statistics are the raw
/// microseconds, as pyarrow and DuckDB write them. The values are passed through a stand-in <c>long</c> field of the
/// same name and levels: Parquet.Net matches a written column to the file's schema element by name and encodes it by
/// the values' type, under the file's element (so the file keeps its timestamp type).
/// </remarks>
internal static class ParquetTimestamps
{
    private const long UnixEpochMicroseconds = 62_135_596_800_000_000L;

    /// <summary>The schema field of a nullable microsecond timestamp column, UTC-adjusted when <paramref name="utc"/>.</summary>
    public static DateTimeDataField Field(string name, bool utc) =>
        new(name, DateTimeFormat.Timestamp, isAdjustedToUTC: utc, unit: DateTimeTimeUnit.Micros, isNullable: true);

    /// <summary>
    /// Microseconds since the Unix epoch of <paramref name="value"/>'s UTC instant (of its wall clock for a naive
    /// column given with offset zero), rounded down: sub-microsecond ticks are dropped, as Parquet.Net drops them.
    /// </summary>
    public static long Micros(DateTimeOffset value) => (value.UtcTicks / TimeSpan.TicksPerMicrosecond) - UnixEpochMicroseconds;

    /// <summary>Writes a top-level nullable timestamp column made by <see cref="Field"/>; null values are null rows.</summary>
    public static Task WriteAsync(ParquetRowGroupWriter group, DataField field, long?[] micros, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        var standIn = new DataField<long?>(field.Name);
        _ = new ParquetSchema(standIn);
        EnsureSameLevels(field, standIn);
        return group.WriteAsync<long>(standIn, micros, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Writes the items of a list of timestamps (the list's item field, made by <see cref="Field"/>), with the levels
    /// the caller computed: only present items are in <paramref name="micros"/>.
    /// </summary>
    public static Task WriteListItemsAsync(ParquetRowGroupWriter group, DataField item, long[] micros, int[] definitions, int[] repetitions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        var standIn = new DataField<long?>(item.Name);
        _ = new ParquetSchema(new ListField("list", standIn));
        EnsureSameLevels(item, standIn);
        return group.WriteAllPartsAsync<long>(standIn, micros, definitions, repetitions, cancellationToken);
    }

    private static void EnsureSameLevels(DataField field, DataField standIn)
    {
        if (field.MaxDefinitionLevel != standIn.MaxDefinitionLevel || field.MaxRepetitionLevel != standIn.MaxRepetitionLevel)
            throw new InvalidOperationException($"Parquet column '{field.Path}' is not a nullable timestamp at the expected nesting.");
    }
}
