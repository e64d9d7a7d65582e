namespace Feast.Configuration;

/// <summary>
/// Raised when <c>feature_store.yaml</c> cannot be found, read, parsed or validated.
/// The message names the file, the position and key path when known, and the valid choices.
/// </summary>
public sealed class FeastConfigException : FeastException
{
    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">A message that says what went wrong and how to fix it.</param>
    public FeastConfigException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and the exception that caused it.</summary>
    /// <param name="message">A message that says what went wrong and how to fix it.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public FeastConfigException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal FeastConfigException(
        string message, string sourceName, string? keyPath, int? line, int? column, Exception? innerException = null)
        : base(message, innerException)
    {
        SourceName = sourceName;
        KeyPath = keyPath;
        Line = line;
        Column = column;
    }

    /// <summary>Feast's name for this error, <c>FeastConfigError</c> (<c>repo_config.py</c>).</summary>
    public override string FeastErrorClass => "FeastConfigError";

    /// <summary>The file (or source name passed to <see cref="RepoConfigLoader.Parse(string, string, string)"/>) the error is in.</summary>
    public string? SourceName { get; }

    /// <summary>The dotted key path of the offending setting, such as <c>online_store.connection_string</c>.</summary>
    public string? KeyPath { get; }

    /// <summary>The 1-based line of the offending YAML node, when known.</summary>
    public int? Line { get; }

    /// <summary>The 1-based column of the offending YAML node, when known.</summary>
    public int? Column { get; }
}
