using System.CommandLine;
using System.CommandLine.Parsing;
using Feast.Configuration;

namespace Feast.Cli;

/// <summary>What a command line that does not parse prints: System.CommandLine's errors, or a did-you-mean for a mistyped command.</summary>
internal static class UsageErrors
{
    /// <summary>The error lines (without the "Error: " prefix) for a parse result with errors.</summary>
    public static IReadOnlyList<string> Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var unknown = result.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
        var names = command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name)).ToList();
        // "feast materialise": System.CommandLine says "Required command was not provided" and "Unrecognized command or
        // argument"; the user meant a command, so name the nearest one instead.
        if (unknown is null || names.Count == 0 || result.CommandResult.Children.OfType<ArgumentResult>().Any())
            return [.. result.Errors.Select(e => e.Message)];
        var path = Path(result.CommandResult);
        var suggestion = DidYouMean.Suggest(unknown, names)
            ?? names.FirstOrDefault(n => n.StartsWith(unknown, StringComparison.OrdinalIgnoreCase) || unknown.StartsWith(n, StringComparison.OrdinalIgnoreCase));
        return suggestion is not null
            ? [$"'{unknown}' is not a '{path}' command. Did you mean '{path} {suggestion}'?"]
            : [$"'{unknown}' is not a '{path}' command. Its commands are: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}."];
    }

    private static string Path(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c) names.Add(c.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
