namespace Feast.Offline;

/// <summary>The step of an offline-store call an engine error happened in, named in messages.</summary>
public enum OfflineStep
{
    /// <summary>Reading the rows to materialize (pull latest) or to export (pull all).</summary>
    Pull,

    /// <summary>Counting the rows to materialize.</summary>
    Count,

    /// <summary>The point-in-time join of get_historical_features.</summary>
    HistoricalJoin,

    /// <summary>Appending rows to a source (write_to_offline_store).</summary>
    OfflineWrite,
}

/// <summary>
/// Turns an offline engine's error (DuckDB, PostgreSQL) into a message a user can act on: what was being done, to which
/// source, the engine's own words on one line (native stack traces and SQL excerpts removed), and what to try.
/// </summary>
public static class EngineErrors
{
    /// <summary>
    /// <paramref name="message"/> on one line: stops at a native stack trace ("Stack Trace:") or an engine's
    /// boilerplate after it, drops SQL position excerpts ("LINE 1: ..." and its caret line), and joins the rest with spaces.
    /// </summary>
    public static string OneLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var parts = new List<string>();
        var lines = message.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith("Stack Trace", StringComparison.OrdinalIgnoreCase) || line.StartsWith("This error signals", StringComparison.Ordinal))
                break;
            if (line.StartsWith("LINE ", StringComparison.Ordinal) && line.Contains(':', StringComparison.Ordinal))
            {
                // The next line is the caret under the excerpt.
                if (i + 1 < lines.Length && lines[i + 1].Trim() == "^") i++;
                continue;
            }
            if (line.Length > 0) parts.Add(line);
        }
        var text = string.Join(" ", parts).TrimEnd('.', ' ');
        return text.Length == 0 ? "(the engine gave no message)" : text;
    }

    /// <summary>What <paramref name="step"/> is, as a phrase: "pulling the rows to materialize".</summary>
    public static string Describe(OfflineStep step) => step switch
    {
        OfflineStep.Pull => "pulling rows (materialize or pull)",
        OfflineStep.Count => "counting the rows to materialize",
        OfflineStep.HistoricalJoin => "the point-in-time join (get-historical-features)",
        OfflineStep.OfflineWrite => "writing rows to the offline store",
        _ => step.ToString(),
    };

    /// <summary>
    /// The one-line message: <c>"{subject}: {engine} failed in {step}: {reason}. {hint}"</c>.
    /// </summary>
    /// <param name="engine">The engine's name ("DuckDB", "PostgreSQL").</param>
    /// <param name="step">The step that failed.</param>
    /// <param name="subject">What was read or written, with its source ("Source 'driver_stats' ('/repo/data/stats.csv')").</param>
    /// <param name="engineMessage">The engine's message, made one line here.</param>
    /// <param name="hint">What to try, a full sentence.</param>
    public static string Message(string engine, OfflineStep step, string subject, string engineMessage, string hint) =>
        $"{subject}: {engine} failed in {Describe(step)}: {OneLine(engineMessage)}. {hint}";
}
