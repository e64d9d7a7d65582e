using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using Feast.Configuration;
using Feast.Planning;
using Feast.Repo;
using Spectre.Console;

namespace Feast.Cli.Commands;

/// <summary>Commands over a whole repo: version, configuration, init, plan, apply, teardown, registry-dump.</summary>
internal static class RepoCommands
{
    public static string SdkVersion { get; } =
        typeof(FeastObject).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Command Version(CliContext context)
    {
        var command = new Command("version", "Show the Feast.NET SDK version.");
        command.SetAction(async (_, ct) =>
        {
            await context.Out.WriteLineAsync($"Feast.NET SDK Version: \"{SdkVersion}\"").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Configuration(CliContext context)
    {
        var command = new Command("configuration", "Show the effective configuration of the repo: feature_store.yaml with every default filled in.");
        command.SetAction(async (result, ct) =>
        {
            var config = context.LoadConfig(result);
            await context.Out.WriteAsync(config.ToYaml()).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Init(CliContext context)
    {
        var name = new Argument<string>("PROJECT_DIRECTORY")
        {
            Description = "The directory to create; its name is the project name (letters, digits and underscores).",
            DefaultValueFactory = _ => "my_project",
        };
        var template = new Option<string>("--template", "-t")
        {
            Description = "The template to use. Available: local (DuckDB offline store over Parquet, SQLite online store).",
            DefaultValueFactory = _ => "local",
        };
        template.AcceptOnlyFromAmong("local");
        var minimal = new Option<bool>("--minimal", "-m") { Description = "Create an empty repo: feature_store.yaml and a definitions file without definitions." };
        var command = new Command("init", "Create a new feature repo with Feast's driver example: definitions in C#, sample data in Parquet.")
        {
            name,
            template,
            minimal,
        };
        command.SetAction(async (result, ct) =>
        {
            var directory = Path.GetFullPath(Path.Combine(context.RepoPath(result), result.GetRequiredValue(name)));
            var repo = await Feast.Cli.Init.RepoTemplate.CreateAsync(directory, TimeProvider.System, result.GetValue(minimal), ct).ConfigureAwait(false);
            var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), repo);
            await context.Out.WriteLineAsync($"Creating a new Feast.NET repository in {directory}.").ConfigureAwait(false);
            await context.Out.WriteLineAsync().ConfigureAwait(false);
            await context.Out.WriteLineAsync("Next steps:").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"  feast -c {relative} apply        # register the definitions").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"  feast -c {relative} feature-views list").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<bool> Verbose() => new("--verbose", "-v") { Description = "Also print how long compiling the repo took." };

    private static Option<bool> SkipSourceValidation() =>
        new("--skip-source-validation")
        {
            Description = "Do not check that each feature view's batch source exists and has its timestamp, join-key and feature columns. Sources are still read when something must be inferred from them.",
        };

    private static ApplyOptions ApplyOptionsOf(ParseResult result, Option<bool> skip) =>
        new() { SkipSourceValidation = result.GetValue(skip) };

    public static Command Plan(CliContext context)
    {
        var verbose = Verbose();
        var skip = SkipSourceValidation();
        var command = new Command("plan", "Show what 'apply' would change in the registry and the online store, without changing anything.")
        {
            verbose,
            skip,
        };
        command.SetAction(async (result, ct) =>
        {
            using var loggers = context.CreateLoggerFactory(result);
            await using var store = context.OpenStore(result, loggers);
            var definitions = await LoadRepoAsync(context, result, verbose, loggers, ct).ConfigureAwait(false);
            var plan = await store.PlanAsync(definitions, ApplyOptionsOf(result, skip), ct).ConfigureAwait(false);
            PrintPlan(context, store, plan, applied: false);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Apply(CliContext context)
    {
        var verbose = Verbose();
        var skip = SkipSourceValidation();
        var command = new Command("apply", "Compile the repo's C# definitions, infer what they leave out from the data sources, check the sources, and make the registry match them; create online tables for new views.")
        {
            verbose,
            skip,
            new Option<bool>("--no-progress") { Description = "Accepted for compatibility with Feast." },
        };
        command.SetAction(async (result, ct) =>
        {
            using var loggers = context.CreateLoggerFactory(result);
            await using var store = context.OpenStore(result, loggers);
            var definitions = await LoadRepoAsync(context, result, verbose, loggers, ct).ConfigureAwait(false);
            var plan = await store.ApplyAsync(definitions, ApplyOptionsOf(result, skip), ct).ConfigureAwait(false);
            PrintPlan(context, store, plan, applied: true);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Teardown(CliContext context)
    {
        var command = new Command("teardown", "Remove the project's online storage and its objects from the registry.");
        command.SetAction(async (result, ct) =>
        {
            using var loggers = context.CreateLoggerFactory(result);
            await using var store = context.OpenStore(result, loggers);
            var plan = await store.TeardownAsync(ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync(plan.HasChanges
                ? $"Removed {plan.Changes.Count} {Words.Plural(plan.Changes.Count, "object")} of project {store.Project} and its online storage."
                : $"Nothing to remove: project {store.Project} has no objects in the registry.").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command RegistryDump(CliContext context)
    {
        var command = new Command("registry-dump", "Print the project's registry contents as JSON (Feast's layout).");
        command.SetAction(async (result, ct) =>
        {
            using var loggers = context.CreateLoggerFactory(result);
            await using var store = context.OpenStore(result, loggers);
            await context.Out.WriteLineAsync(await store.RegistryDumpAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<RepoDefinitions> LoadRepoAsync(CliContext context, ParseResult result, Option<bool> verbose,
        Microsoft.Extensions.Logging.ILoggerFactory loggers, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var contents = await RepoLoader.LoadAsync(context.RepoPath(result), CliContext.Backends(), loggers.CreateLogger("Feast.Repo"), ct).ConfigureAwait(false);
        foreach (var warning in contents.Warnings) await context.Error.WriteLineAsync($"Warning: {warning}").ConfigureAwait(false);
        if (result.GetValue(verbose))
            await context.Out.WriteLineAsync($"Compiled {contents.FileCount} definition {Words.Plural(contents.FileCount, "file")} in {contents.CompileTime.TotalMilliseconds:F0} ms ({watch.ElapsedMilliseconds} ms including loading).").ConfigureAwait(false);
        return contents.ToDefinitions();
    }

    private static void PrintPlan(CliContext context, FeatureStore store, RegistryPlan plan, bool applied)
    {
        if (plan.SourcesNotValidated is { } note)
            context.Console.WriteLine(note);
        // Like Feast, the dummy entity every project carries is not shown.
        var changes = plan.Changes.Where(c => !(c.Kind == "Entity" && c.Name == Entity.DummyName)).ToList();
        if (changes.Count == 0)
        {
            context.Console.WriteLine(applied ? "No changes to registry or infrastructure." : "No changes: the registry already matches the repo.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("CHANGE").AddColumn("KIND").AddColumn("NAME").AddColumn("FIELDS");
        foreach (var change in changes)
        {
            var verb = change.Change switch
            {
                ChangeType.Add => applied ? "Created" : "Create",
                ChangeType.Update => applied ? "Updated" : "Update",
                _ => applied ? "Deleted" : "Delete",
            };
            table.AddRow(Markup.Escape(verb), Markup.Escape(change.Kind), Markup.Escape(change.Name), Markup.Escape(string.Join("\n", change.ChangedFields)));
        }
        context.Console.Write(table);
        var counts = changes.GroupBy(c => c.Change).ToDictionary(g => g.Key, g => g.Count());
        int Count(ChangeType type) => counts.GetValueOrDefault(type);
        context.Console.WriteLine(applied
            ? $"Applied: {Count(ChangeType.Add)} created, {Count(ChangeType.Update)} updated, {Count(ChangeType.Delete)} deleted."
            : $"Plan: {Count(ChangeType.Add)} to create, {Count(ChangeType.Update)} to update, {Count(ChangeType.Delete)} to delete. Run 'feast apply' to make these changes.");
        var created = plan.Changes.Where(c => c.Change == ChangeType.Add && c.Kind is "FeatureView" or "StreamFeatureView")
            .Select(c => plan.ViewsToKeep.FirstOrDefault(v => v.Name == c.Name)).OfType<FeatureView>().ToList();
        if (store.OnlineStore is { } online)
        {
            foreach (var view in created)
                context.Console.WriteLine($"{(applied ? "Created" : "Will create")} {online.DescribeStorage(store.Project, view)}");
            // The plan drops the storage of every view that is not online, to be sure; only a view deleted or switched off
            // here had storage to remove (an on-demand view without write_to_online_store never has any).
            var removed = plan.Changes
                .Where(c => c.Change == ChangeType.Delete
                    || (c.Change == ChangeType.Update && c.ChangedFields.Any(f => f.StartsWith("online", StringComparison.Ordinal) || f.StartsWith("write_to_online_store", StringComparison.Ordinal))))
                .Select(c => c.Name)
                .ToHashSet(StringComparer.Ordinal);
            foreach (var view in plan.ViewsToDelete.Where(v => removed.Contains(v.Name)))
                context.Console.WriteLine($"{(applied ? "Removed" : "Will remove")} {online.DescribeStorage(store.Project, view)}");
        }
    }
}
