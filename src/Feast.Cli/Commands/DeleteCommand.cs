using System.CommandLine;

namespace Feast.Cli.Commands;

/// <summary><c>feast delete NAME</c>: removes one object from the registry, whatever its kind, and a view's online storage.</summary>
internal static class DeleteCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("OBJECT_ID")
        {
            Description = "The name of the object to delete: an entity, data source, feature view (batch, stream or on demand), feature service, saved dataset, validation reference or permission.",
        };
        name.Validators.Add(r =>
        {
            if (string.IsNullOrWhiteSpace(r.GetValueOrDefault<string>()))
                r.AddError("OBJECT_ID is empty. Pass the name of the object to delete, e.g. 'feast delete driver_hourly_stats'.");
        });
        var command = new Command("delete",
            "Delete one object from the registry by name, and the online storage of a deleted feature view. "
            + "An object other objects still use is not deleted.")
        {
            name,
        };
        command.SetAction(async (result, ct) =>
        {
            using var loggers = context.CreateLoggerFactory(result);
            await using var store = context.OpenStore(result, loggers);
            var deleted = await store.DeleteObjectAsync(result.GetRequiredValue(name), ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Deleted {deleted.Kind} {deleted.Name} from {store.Project}.").ConfigureAwait(false);
            if (store.OnlineStore is { } online)
            {
                foreach (var view in deleted.OnlineViews)
                    await context.Out.WriteLineAsync($"Removed {online.DescribeStorage(store.Project, view)}").ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
