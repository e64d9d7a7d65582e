using System.CommandLine;
using Feast.Permissions;
using Spectre.Console;

namespace Feast.Cli.Commands;

/// <summary><c>feast permissions check</c> and <c>feast permissions list-roles</c>, beside the <c>list</c> and <c>describe</c> every kind has.</summary>
internal static class PermissionCommands
{
    public static Command Check(CliContext context)
    {
        var command = new Command("check", "Validate the permissions configuration: list the objects no permission covers, and the actions no permission secures.");
        command.SetAction(async (result, ct) =>
        {
            var snapshot = await ObjectCommands.ReadAsync(context, result, ct).ConfigureAwait(false);
            var permissions = snapshot.Permissions.Values.ToList();
            var resources = PermissionAudit.Resources(snapshot);

            context.Console.WriteLine("The following resources are not secured by any permission configuration:");
            var unsecured = NewTable("NAME", "TYPE");
            foreach (var r in resources.Where(r => !PermissionAudit.IsSecured(permissions, r)))
                unsecured.AddRow(Markup.Escape(r.Resource.Name), Markup.Escape(r.TypeName));
            context.Console.Write(unsecured);

            context.Console.WriteLine("The following actions are not secured by any permission configuration (Note: this might not be a security concern, depending on the used APIs):");
            var actions = NewTable("NAME", "TYPE", "UNSECURED ACTIONS");
            foreach (var r in resources)
            {
                var open = PermissionAudit.UnsecuredActions(permissions, r);
                if (open.Count > 0) actions.AddRow(Markup.Escape(r.Resource.Name), Markup.Escape(r.TypeName), Lines(open));
            }
            context.Console.Write(actions);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command ListRoles(CliContext context)
    {
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the resources and actions permitted to each configured role." };
        var command = new Command("list-roles", "List the roles the project's role-based permissions name.") { verbose };
        command.SetAction(async (result, ct) =>
        {
            var snapshot = await ObjectCommands.ReadAsync(context, result, ct).ConfigureAwait(false);
            var permissions = snapshot.Permissions.Values.ToList();
            var roles = PermissionAudit.Roles(permissions);
            if (!result.GetValue(verbose))
            {
                var table = NewTable("ROLE NAME");
                foreach (var role in roles) table.AddRow(Markup.Escape(role));
                context.Console.Write(table);
                return ExitCodes.Ok;
            }
            var detail = NewTable("ROLE NAME", "RESOURCE NAME", "RESOURCE TYPE", "PERMITTED ACTIONS");
            var resources = PermissionAudit.Resources(snapshot);
            foreach (var role in roles)
            {
                foreach (var r in resources)
                    detail.AddRow(Markup.Escape(role), Markup.Escape(r.Resource.Name), Markup.Escape(r.TypeName), Lines(PermissionAudit.PermittedActions(permissions, r, role)));
            }
            context.Console.Write(detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Feast's <c>permissions list --verbose</c> tree: each permission (with its roles), and under it, per resource type, the
    /// objects it matches or <c>none</c>. Only objects passing <paramref name="tagFilter"/> count, as in Feast.
    /// </summary>
    public static async Task WriteTreeAsync(CliContext context, Registry.RegistrySnapshot snapshot, Func<FeastObject, bool> tagFilter)
    {
        var resources = PermissionAudit.Resources(snapshot).Where(r => tagFilter(r.Resource)).ToList();
        var permissions = snapshot.Permissions.Values.Where(p => tagFilter(p)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var text = new System.Text.StringBuilder();
        text.Append("Permissions:\n\npermissions\n");
        for (var i = 0; i < permissions.Count; i++)
        {
            var permission = permissions[i];
            var lastPermission = i == permissions.Count - 1;
            var roles = permission.Policy is RoleBasedPolicy { Roles.Count: > 0 } r ? " " + PythonList(r.Roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)) : "";
            text.Append(lastPermission ? "└── " : "├── ").Append(permission.Name).Append(roles).Append('\n');
            // Feast lists these types only (not projects or permissions); feature view types print without a colon.
            var types = permission.Types.Where(t => t is not (PermissionResourceType.Project or PermissionResourceType.Permission or PermissionResourceType.LabelView)).ToList();
            for (var j = 0; j < types.Count; j++)
            {
                var type = types[j];
                var names = resources.Where(r => PermissionAudit.Matches(permission, r)
                        && (r.Type == type || (type == PermissionResourceType.FeatureView && r.Type is PermissionResourceType.StreamFeatureView)))
                    .Select(r => r.Resource.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var viewType = type is PermissionResourceType.FeatureView or PermissionResourceType.OnDemandFeatureView
                    or PermissionResourceType.BatchFeatureView or PermissionResourceType.StreamFeatureView;
                var line = names.Count == 0 ? $"{type}: none" : viewType ? $"{type} {PythonList(names)}" : $"{type}: {PythonList(names)}";
                text.Append(lastPermission ? "    " : "│   ").Append(j == types.Count - 1 ? "└── " : "├── ").Append(line).Append('\n');
            }
        }
        await context.Out.WriteAsync(text.ToString()).ConfigureAwait(false);
    }

    private static string PythonList(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(i => $"'{i}'")) + "]";

    private static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns) table.AddColumn(column);
        return table;
    }

    // Feast writes one action per line, and "-" for none.
    private static string Lines(IReadOnlyList<AuthzedAction> actions) =>
        actions.Count == 0 ? "-" : string.Join("\n", actions.Select(PermissionAudit.ActionName));
}
