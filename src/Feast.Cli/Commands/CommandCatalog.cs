using System.CommandLine;

namespace Feast.Cli.Commands;

/// <summary>Every <c>feast</c> subcommand, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Build(CliContext context)
    {
        yield return RepoCommands.Version(context);
        yield return RepoCommands.Configuration(context);
        yield return RepoCommands.Init(context);
        yield return RepoCommands.Plan(context);
        yield return RepoCommands.Apply(context);
        yield return RepoCommands.Teardown(context);
        yield return RepoCommands.RegistryDump(context);
        yield return MaterializeCommands.Materialize(context);
        yield return MaterializeCommands.MaterializeIncremental(context);
        yield return HistoricalCommands.GetHistoricalFeatures(context);
        yield return OnlineCommands.GetOnlineFeatures(context);
        yield return OnlineCommands.Push(context);
        yield return ServeCommand.Create(context);
        yield return ServeRegistryCommand.Create(context);
        yield return ServeOfflineCommand.Create(context);
        yield return UiCommand.Create(context);
        yield return WorkerCommand.Create(context);
        yield return KubeCommand.Create(context);
        yield return OperatorCommand.Create(context);
        foreach (var command in ObjectCommands.Build(context)) yield return command;
        yield return FeatureCommands.Create(context);
        yield return DeleteCommand.Create(context);
    }
}
