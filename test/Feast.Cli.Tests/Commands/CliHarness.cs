using Feast.Cli;
using Feast.Cli.Init;

namespace Feast.Cli.Tests.Commands;

using RegistryProto = global::Feast.Protos.Core.Registry;

/// <summary>What one <c>feast</c> invocation returned: its exit code and what it printed.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The whole result, for assertion messages.</summary>
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    /// <summary>Fails with everything the command printed unless it exited with <paramref name="expected"/>.</summary>
    public CliResult Expect(int expected)
    {
        Assert.True(ExitCode == expected, $"expected exit code {expected}, got {this}");
        return this;
    }

    public CliResult ExpectOk() => Expect(0);

    /// <summary>The table the command printed to stdout.</summary>
    public CliTable Table => CliTable.Parse(Stdout);
}

/// <summary>Runs the <c>feast</c> command line in-process, with its output captured.</summary>
internal static class FeastCommand
{
    /// <summary>Runs <c>feast ARGS</c>. Callers pass <c>-c DIR</c> so tests never depend on the process's current directory.</summary>
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await FeastCli.RunAsync(args, stdout, stderr, CancellationToken.None);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>feast -c REPO ARGS</c>.</summary>
    public static Task<CliResult> InAsync(string repo, params string[] args) => RunAsync(["-c", repo, .. args]);
}

/// <summary>
/// A table as the CLI prints it without ANSI codes: either with a rounded border (cells between <c>│</c>, plan/apply) or with
/// the simple border of the list commands (a header line, a <c>─</c> rule, rows aligned under the header names). A cell
/// that wraps over several lines is joined back with newlines.
/// </summary>
public sealed class CliTable
{
    private CliTable(IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        Header = header;
        Rows = rows;
    }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>The values of column <paramref name="name"/>, one per row.</summary>
    public IReadOnlyList<string> Column(string name)
    {
        var index = IndexOf(name);
        return Rows.Select(r => r[index]).ToList();
    }

    /// <summary>
    /// The row whose first column is <paramref name="key"/> (or whose <paramref name="keyColumn"/> is). The key is compared
    /// <see cref="Unwrap">unwrapped</see>: at 80 columns a long name is broken over lines.
    /// </summary>
    public string[]? Row(string key, string? keyColumn = null)
    {
        var index = keyColumn is null ? 0 : IndexOf(keyColumn);
        return Rows.FirstOrDefault(r => Unwrap(r[index]) == key);
    }

    /// <summary>A cell without the line breaks of its wrapping (for names and other values without spaces).</summary>
    public static string Unwrap(string cell) => cell.Replace("\n", "", StringComparison.Ordinal);

    /// <summary>The value in column <paramref name="column"/> of the row keyed <paramref name="key"/> by <paramref name="keyColumn"/>.</summary>
    public string Cell(string key, string column, string? keyColumn = null)
    {
        var row = Row(key, keyColumn);
        Assert.True(row is not null, $"no row {key} in the table:\n{this}");
        return row![IndexOf(column)];
    }

    private int IndexOf(string column)
    {
        var index = Header.ToList().IndexOf(column);
        Assert.True(index >= 0, $"no column {column} in [{string.Join(", ", Header)}]");
        return index;
    }

    public override string ToString() => string.Join(" | ", Header) + "\n" + string.Join("\n", Rows.Select(r => string.Join(" | ", r)));

    public static CliTable Parse(string output)
    {
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        return lines.Any(l => l.StartsWith('│')) ? ParseBoxed(lines) : ParseAligned(lines);
    }

    private static CliTable ParseBoxed(string[] lines)
    {
        var cells = lines.Where(l => l.StartsWith('│'))
            .Select(l => l.Split('│')[1..^1].Select(c => c.Trim()).ToArray())
            .ToList();
        return new CliTable(cells[0], Merge(cells.Skip(1)));
    }

    private static CliTable ParseAligned(string[] lines)
    {
        var headerIndex = Array.FindIndex(lines, l => !string.IsNullOrWhiteSpace(l));
        Assert.True(headerIndex >= 0, "no table in the output");
        var headerLine = lines[headerIndex];
        var names = headerLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var starts = new List<int>();
        var from = 0;
        foreach (var name in names)
        {
            var at = headerLine.IndexOf(name, from, StringComparison.Ordinal);
            starts.Add(at);
            from = at + name.Length;
        }
        var rows = new List<string[]>();
        foreach (var line in lines.Skip(headerIndex + 1))
        {
            if (line.Trim().Trim('─').Length == 0)
            {
                if (line.Contains('─', StringComparison.Ordinal)) continue;
                if (rows.Count > 0) break;
                continue;
            }
            var row = new string[starts.Count];
            for (var i = 0; i < starts.Count; i++)
            {
                var start = Math.Min(starts[i], line.Length);
                var end = i + 1 < starts.Count ? Math.Min(starts[i + 1], line.Length) : line.Length;
                row[i] = line[start..end].Trim();
            }
            rows.Add(row);
        }
        return new CliTable(names, Merge(rows));
    }

    // A line whose first cell is empty continues the cells of the row above.
    private static List<string[]> Merge(IEnumerable<string[]> lines)
    {
        var rows = new List<string[]>();
        foreach (var line in lines)
        {
            if (line[0].Length == 0 && rows.Count > 0)
            {
                var previous = rows[^1];
                for (var i = 1; i < line.Length; i++)
                {
                    if (line[i].Length > 0) previous[i] = previous[i].Length == 0 ? line[i] : previous[i] + "\n" + line[i];
                }
            }
            else
            {
                rows.Add(line);
            }
        }
        return rows;
    }
}

/// <summary>A repo made by <c>feast init</c> in a fresh temp folder: the driver example, not applied yet.</summary>
public sealed class InitRepo : IDisposable
{
    private readonly TempDir _temp = new();

    private InitRepo(string project)
    {
        Project = project;
        Repo = Path.Combine(_temp.Path, project, RepoTemplate.FeatureRepoDirectoryName);
    }

    /// <summary>The temp folder <c>feast init</c> ran in (the <c>-c</c> of init).</summary>
    public string Parent => _temp.Path;

    /// <summary>The project name (the init directory's name).</summary>
    public string Project { get; }

    /// <summary>The feature repo: <c>PROJECT/feature_repo</c>.</summary>
    public string Repo { get; }

    public string RegistryPath => Path.Combine(Repo, "data", "registry.db");

    public string OnlineStorePath => Path.Combine(Repo, "data", "online_store.db");

    public string DefinitionsPath => Path.Combine(Repo, TemplateFiles.DefinitionsFileName);

    public static async Task<InitRepo> CreateAsync(string project = "driver_cli")
    {
        var repo = new InitRepo(project);
        try
        {
            (await FeastCommand.InAsync(repo.Parent, "init", project)).ExpectOk();
            return repo;
        }
        catch
        {
            repo.Dispose();
            throw;
        }
    }

    public Task<CliResult> RunAsync(params string[] args) => FeastCommand.InAsync(Repo, args);

    /// <summary>Replaces <paramref name="oldText"/> (which must occur exactly once) in driver_repo.cs.</summary>
    public void Edit(string oldText, string newText)
    {
        var text = File.ReadAllText(DefinitionsPath);
        var at = text.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(at >= 0, $"driver_repo.cs does not contain:\n{oldText}");
        Assert.True(text.IndexOf(oldText, at + 1, StringComparison.Ordinal) < 0, $"driver_repo.cs contains more than once:\n{oldText}");
        File.WriteAllText(DefinitionsPath, text[..at] + newText + text[(at + oldText.Length)..]);
    }

    /// <summary>Removes driver_repo.cs's text from <paramref name="from"/> up to (not including) <paramref name="to"/>.</summary>
    public void Cut(string from, string to)
    {
        var text = File.ReadAllText(DefinitionsPath);
        var start = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(start >= 0, $"driver_repo.cs does not contain:\n{from}");
        var end = text.IndexOf(to, start, StringComparison.Ordinal);
        Assert.True(end >= 0, $"driver_repo.cs does not contain after it:\n{to}");
        File.WriteAllText(DefinitionsPath, text[..start] + text[end..]);
    }

    public void Write(string relativePath, string text)
    {
        var path = Path.Combine(Repo, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
    }

    public RegistryProto ReadRegistry() =>
        RegistryProto.Parser.ParseFrom(File.ReadAllBytes(RegistryPath));

    public void Dispose() => _temp.Dispose();
}
