using System.CommandLine;
using Feast.Cli.Commands;
using Feast.DuckDb;
using Feast.Orleans;
using Feast.Postgres;
using Feast.Redis;
using Feast.Remote;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Feast.Cli;

/// <summary>Exit codes of the <c>feast</c> command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int UserError = 1;
    public const int Usage = 2;
    public const int Cancelled = 130;
}

/// <summary>The <c>feast</c> command line: Feast's commands and flags, over the Feast.NET SDK.</summary>
internal static class FeastCli
{
    /// <summary>Runs the command line with the given streams; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var globals = new GlobalOptions();
        // A plain command named "feast" rather than RootCommand, whose name is the entry assembly's (Feast.Cli).
        var root = new Command("feast",
            "Feast.NET: a feature store for machine learning that speaks Feast's formats.\n" +
            "Run 'feast init NAME' to create a feature repo, then 'feast -c NAME/feature_repo apply' to register it.")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
        };
        globals.AddTo(root);
        var context = new CliContext(globals, stdout, stderr);
        foreach (var command in CommandCatalog.Build(context)) root.Subcommands.Add(command);

        // No response files: Feast's CLI has none, and "@file" is literal text (push --data @file.json reads it itself).
        var parseResult = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in UsageErrors.Describe(parseResult)) await stderr.WriteLineAsync($"Error: {error}").ConfigureAwait(false);
            await stderr.WriteLineAsync("Run 'feast --help' (or 'feast COMMAND --help') for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RepoCompilationException e)
        {
            foreach (var line in e.Diagnostics) await stderr.WriteLineAsync(line).ConfigureAwait(false);
            await stderr.WriteLineAsync($"Error: the feature repo does not compile ({e.Diagnostics.Count} {Words.Plural(e.Diagnostics.Count, "error")}); nothing was applied.").ConfigureAwait(false);
            return ExitCodes.UserError;
        }
        catch (FeastException e)
        {
            await stderr.WriteLineAsync($"Error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UserError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file or folder the command needs cannot be read or written: the OS message names it.
            await stderr.WriteLineAsync($"Error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UserError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
    }
}

/// <summary>Feast's global options: <c>--chdir/-c</c>, <c>--feature-store-yaml/-f</c>, <c>--log-level</c>.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Chdir { get; } = new("--chdir", "-c")
    {
        HelpName = "dir",
        Description = "Run as if started in this directory: the feature repo (env FEATURE_REPO_DIR_ENV_VAR).",
        Recursive = true,
    };

    public Option<string?> FeatureStoreYaml { get; } = new("--feature-store-yaml", "-f")
    {
        HelpName = "file",
        Description = "Path to feature_store.yaml (env FEAST_FS_YAML_FILE_PATH; default <repo>/feature_store.yaml).",
        Recursive = true,
    };

    public Option<string> LogLevel { get; } = new("--log-level")
    {
        HelpName = "level",
        Description = "Log level: trace, debug, info, warning, error, critical.",
        DefaultValueFactory = _ => "warning",
        Recursive = true,
    };

    public Option<string> LogFormat { get; } = new("--log-format")
    {
        Description = "Log format on stderr: text, or json (one JSON object per line, for log collectors).",
        HelpName = "format",
        DefaultValueFactory = _ => "text",
    };

    private static readonly string[] LogLevels = ["trace", "debug", "info", "information", "warning", "error", "critical"];

    public void AddTo(Command root)
    {
        LogLevel.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!LogLevels.Contains(value, StringComparer.OrdinalIgnoreCase))
                result.AddError($"--log-level '{value}' is not a log level. Use one of: trace, debug, info, warning, error, critical.");
        });
        root.Options.Add(Chdir);
        root.Options.Add(FeatureStoreYaml);
        root.Options.Add(LogLevel);
        LogFormat.AcceptOnlyFromAmong("text", "json");
        LogFormat.Recursive = true;
        root.Options.Add(LogFormat);
    }
}

/// <summary>What every command needs: the parsed globals, the output streams, and a way to open the store.</summary>
internal sealed class CliContext(GlobalOptions globals, TextWriter stdout, TextWriter stderr)
{
    public GlobalOptions Globals { get; } = globals;

    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    public IAnsiConsole Console { get; } = CreateConsole(stdout);

    /// <summary>Whether stdout is a terminal a person watches (not a pipe, a file or a test's writer).</summary>
    public bool IsTerminal { get; } = IsTerminalWriter(stdout);

    /// <summary>
    /// A console for live displays (progress bars) when stdout is a terminal; null otherwise, where commands print plain
    /// lines instead.
    /// </summary>
    public IAnsiConsole? LiveConsole => _liveConsole ??= IsTerminal
        ? AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Detect,
        })
        : null;

    private IAnsiConsole? _liveConsole;

    private static bool IsTerminalWriter(TextWriter stdout) => ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected;

    private static IAnsiConsole CreateConsole(TextWriter stdout)
    {
        var terminal = IsTerminalWriter(stdout);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        // Piped output is read by programs (grep, scripts): never wrap a table cell there.
        if (!terminal) console.Profile.Width = 1000;
        return console;
    }

    public string RepoPath(ParseResult result)
    {
        var dir = result.GetValue(Globals.Chdir) ?? Environment.GetEnvironmentVariable("FEATURE_REPO_DIR_ENV_VAR");
        return Path.GetFullPath(string.IsNullOrEmpty(dir) ? Directory.GetCurrentDirectory() : dir);
    }

    /// <summary>
    /// The logger factory of a command: --log-level (or <paramref name="defaultLevel"/> when it is not given) and
    /// --log-format, on stderr; <paramref name="configure"/> adds filters of the command's own.
    /// </summary>
    public ILoggerFactory CreateLoggerFactory(ParseResult result, Microsoft.Extensions.Logging.LogLevel defaultLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        Action<ILoggingBuilder>? configure = null)
    {
        var level = result.GetResult(Globals.LogLevel) is not { Implicit: false } ? defaultLevel : result.GetValue(Globals.LogLevel)?.ToUpperInvariant() switch
        {
            "TRACE" => Microsoft.Extensions.Logging.LogLevel.Trace,
            "DEBUG" => Microsoft.Extensions.Logging.LogLevel.Debug,
            "INFO" or "INFORMATION" => Microsoft.Extensions.Logging.LogLevel.Information,
            "ERROR" => Microsoft.Extensions.Logging.LogLevel.Error,
            "CRITICAL" => Microsoft.Extensions.Logging.LogLevel.Critical,
            _ => Microsoft.Extensions.Logging.LogLevel.Warning,
        };
        var json = result.GetValue(Globals.LogFormat) == "json";
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            if (json)
            {
                builder.AddJsonConsole(o =>
                {
                    o.IncludeScopes = true;
                    o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffK";
                    o.UseUtcTimestamp = true;
                });
            }
            else
            {
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss ";
                });
            }
            // Logs never mix with command output on stdout.
            builder.AddConsole(o => o.LogToStandardErrorThreshold = Microsoft.Extensions.Logging.LogLevel.Trace);
            // OpenStore prints the configuration's warnings itself, as "Warning:" lines.
            builder.AddFilter(FeatureStore.ConfigLogCategory, Microsoft.Extensions.Logging.LogLevel.None);
            configure?.Invoke(builder);
        });
    }

    public FeatureStore OpenStore(ParseResult result, ILoggerFactory loggerFactory) =>
        new(LoadConfig(result), new FeatureStoreOptions { LoggerFactory = loggerFactory, Backends = Backends() });

    /// <summary>
    /// The backends the CLI serves: DuckDB, Redis and PostgreSQL besides the built-in SQLite, the remote registry, offline
    /// and online stores, and the Orleans batch engine. Every command and server of the CLI uses this one list.
    /// </summary>
    public static FeastBackends Backends() => AddBackends(new FeastBackends());

    /// <summary><paramref name="options"/> with the CLI's <see cref="Backends"/> added (what the server commands give their stores).</summary>
    internal static FeatureStoreOptions WithBackends(FeatureStoreOptions options)
    {
        AddBackends(options.Backends);
        return options;
    }

    private static FeastBackends AddBackends(FeastBackends backends) =>
        backends.UseDuckDb().UseRedis().UsePostgres().UseRemoteRegistry().UseRemoteOfflineStore().UseRemoteOnlineStore().UseOrleans();

    /// <summary>Reads feature_store.yaml and prints its <see cref="Configuration.RepoConfig.Warnings"/> on stderr.</summary>
    public Configuration.RepoConfig LoadConfig(ParseResult result)
    {
        var config = Configuration.RepoConfigLoader.Load(RepoPath(result), result.GetValue(Globals.FeatureStoreYaml), Backends());
        foreach (var warning in config.Warnings) Error.WriteLine($"Warning: {warning}");
        return config;
    }
}
