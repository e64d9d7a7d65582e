using Microsoft.Extensions.Logging;

namespace Feast.DuckDb;

/// <summary>The DuckDB offline store's log messages (event ids 3000-3099).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Running historical retrieval over {ViewCount} view(s):\n{Sql}")]
    public static partial void RunningRetrieval(this ILogger logger, int viewCount, string sql);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Historical retrieval returned {RowCount} row(s) in {ElapsedMilliseconds:F0} ms")]
    public static partial void RetrievalDone(this ILogger logger, long rowCount, double elapsedMilliseconds);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Wrote historical retrieval to {Path} in {ElapsedMilliseconds:F0} ms")]
    public static partial void RetrievalExported(this ILogger logger, string path, double elapsedMilliseconds);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Pulling rows of source {Source}:\n{Sql}")]
    public static partial void Pulling(this ILogger logger, string source, string sql);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Appended {RowCount} row(s) to {Path}")]
    public static partial void Appended(this ILogger logger, int rowCount, string path);
}
