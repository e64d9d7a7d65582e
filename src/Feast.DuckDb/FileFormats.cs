namespace Feast.DuckDb;

/// <summary>What the store needs to know per <see cref="FileFormat"/>: the files' extension and DuckDB's COPY options.</summary>
internal static class FileFormats
{
    /// <summary>The extension (without the dot) of data files of <paramref name="format"/> in a folder source.</summary>
    public static string Extension(FileFormat format) => format == FileFormat.Csv ? "csv" : "parquet";

    /// <summary>The options of a DuckDB <c>COPY ... TO</c> writing <paramref name="format"/>.</summary>
    public static string CopyOptions(FileFormat format) => format == FileFormat.Csv ? "FORMAT csv, HEADER true" : "FORMAT parquet";
}
