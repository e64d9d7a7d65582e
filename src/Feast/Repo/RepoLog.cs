using Microsoft.Extensions.Logging;

namespace Feast.Repo;

/// <summary>Log messages of the repo loader.</summary>
internal static partial class RepoLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Compiled {FileCount} definition file(s) of {RepoPath} in {ElapsedMilliseconds:F0} ms")]
    public static partial void Compiled(ILogger logger, int fileCount, string repoPath, double elapsedMilliseconds);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Found {ObjectCount} definition(s) in {RepoPath}")]
    public static partial void Found(ILogger logger, int objectCount, string repoPath);
}
