using System.Diagnostics;
using Feast.Cli.Tests.Commands;
using Xunit.Abstractions;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Cli.Tests.Registry;

/// <summary>
/// <c>feast apply</c> killed while it runs (SIGKILL, no chance to clean up) must leave a registry file that is either the
/// complete old registry or the complete new one, never a torn mix: the file registry writes a temp file and renames it.
/// </summary>
public class AtomicWriteTests(ITestOutputHelper output)
{
    private const int ViewCount = 3000;
    private const int Kills = 10;
    private const string Project = "atomic_write";

    // Thousands of views with long descriptions make the registry several MB, so serializing and writing it takes a while.
    private static string Definitions(string marker) => $$"""
        public static class ManyViews
        {
            public static readonly Project Project = new("{{Project}}", description: "{{marker}}");

            public static readonly Entity Customer = new("customer", joinKeys: ["customer_id"], valueType: ValueType.Int64);

            public static readonly FileSource Source = new(
                path: "data/customers.parquet",
                timestampField: "event_timestamp",
                name: "customer_source");

            public static readonly IReadOnlyList<FeatureView> Views = Enumerable.Range(0, {{ViewCount}})
                .Select(i => new FeatureView(
                    name: $"customer_view_{i:D4}",
                    source: Source,
                    entities: [Customer],
                    ttl: TimeSpan.FromDays(1),
                    schema: Enumerable.Range(0, 8)
                        .Select(j => new Field($"feature_{j}", FeastType.Float32,
                            description: $"Feature {j} of customer view {i}: a description long enough to make the registry file several megabytes."))
                        .ToList(),
                    tags: new Dictionary<string, string> { ["team"] = "atomic", ["index"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
                .ToList();
        }

        """;

    [Fact]
    public async Task Apply_KilledAtAnyMoment_LeavesTheCompleteOldOrTheCompleteNewRegistry()
    {
        using var repo = new TempDir();
        await File.WriteAllTextAsync(repo.File("feature_store.yaml"),
            $"project: {Project}\nregistry: data/registry.db\nprovider: local\nonline_store: null\n");
        var definitions = repo.File("many_views.cs");
        var registryPath = repo.File("data/registry.db");

        // The first apply runs in-process.
        await File.WriteAllTextAsync(definitions, Definitions("version 0"));
        // The views read files this test never writes: it is about the registry write, not the sources.
        (await FeastCommand.InAsync(repo.Path, "apply", "--skip-source-validation")).ExpectOk();
        var current = await File.ReadAllBytesAsync(registryPath);
        AssertComplete(RegistryProto.Parser.ParseFrom(current), "version 0");
        Assert.True(current.Length > 2_000_000, $"the registry is only {current.Length} bytes");
        output.WriteLine($"registry: {current.Length / 1_000_000.0:F1} MB");

        // Kills at fixed moments (mostly while the child compiles and plans), then kills timed from the moment the child
        // creates its temp file, i.e. while it writes, fsyncs and renames the new registry.
        var kills = new List<Kill>
        {
            new(TimeSpan.FromMilliseconds(250), null), new(TimeSpan.FromMilliseconds(1000), null),
            new(TimeSpan.FromMilliseconds(2000), null), new(TimeSpan.FromMilliseconds(2800), null),
        };
        kills.AddRange(new[] { 0, 0, 1, 2, 5, 15 }.Select(ms => new Kill(null, TimeSpan.FromMilliseconds(ms))));
        Assert.Equal(Kills, kills.Count);
        var outcomes = new List<string>();
        for (var attempt = 0; attempt < kills.Count; attempt++)
        {
            var marker = $"version {attempt + 2}";
            await File.WriteAllTextAsync(definitions, Definitions(marker));
            var previous = RegistryProto.Parser.ParseFrom(current);

            var (code, ran) = await RunChildAsync(repo.Path, kills[attempt]);

            var bytes = await File.ReadAllBytesAsync(registryPath);
            RegistryProto registry;
            try
            {
                registry = RegistryProto.Parser.ParseFrom(bytes);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException e)
            {
                Assert.Fail($"attempt {attempt} ({kills[attempt]}): the registry does not parse: {e.Message}");
                throw;
            }
            if (registry.VersionId == previous.VersionId)
            {
                Assert.Equal(current, bytes);
                outcomes.Add($"old ({code}, {ran})");
            }
            else
            {
                AssertComplete(registry, marker);
                current = bytes;
                outcomes.Add($"new ({code}, {ran})");
            }
        }
        output.WriteLine("after each kill: " + string.Join("; ", outcomes));

        // Whatever the kills left behind, the next apply succeeds, and its write clears the temp files of killed writers.
        await File.WriteAllTextAsync(definitions, Definitions("final"));
        Assert.Equal(0, (await RunChildAsync(repo.Path, kill: null)).ExitCode);
        AssertComplete(RegistryProto.Parser.ParseFrom(await File.ReadAllBytesAsync(registryPath)), "final");
        Assert.Empty(Directory.EnumerateFiles(repo.File("data"), "registry.db.tmp*"));
    }

    private static void AssertComplete(RegistryProto registry, string marker)
    {
        var project = Assert.Single(registry.Projects);
        Assert.Equal(marker, project.Spec.Description);
        Assert.Equal(ViewCount, registry.FeatureViews.Count);
        Assert.All(registry.FeatureViews, v => Assert.Equal(8, v.Spec.Features.Count));
        Assert.Equal(["__dummy", "customer"], registry.Entities.Select(e => e.Spec.Name).Order(StringComparer.Ordinal));
        Assert.False(string.IsNullOrEmpty(registry.VersionId));
    }

    /// <summary>When to kill the child: <see cref="After"/> its start, or <see cref="AfterTempFile"/> it creates a registry temp file.</summary>
    private sealed record Kill(TimeSpan? After, TimeSpan? AfterTempFile)
    {
        public override string ToString() =>
            After is { } after ? $"kill at {after.TotalMilliseconds:F0} ms" : $"kill {AfterTempFile?.TotalMilliseconds:F0} ms after the temp file appears";
    }

    /// <summary>Runs <c>dotnet Feast.Cli.dll -c REPO apply</c>, and kills it (with its children) as <paramref name="kill"/> says if it is still running.</summary>
    /// <returns>The exit code (137 when killed) and what happened.</returns>
    private static async Task<(int ExitCode, string What)> RunChildAsync(string repo, Kill? kill)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Feast.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} is not next to the test assembly");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { cli, "-c", repo, "apply", "--skip-source-validation" }) start.ArgumentList.Add(arg);
        var data = Path.Combine(repo, "data");
        var oldTempFiles = TempFiles(data);

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var what = await Task.Run(() =>
        {
            var deadline = kill?.After ?? TimeSpan.FromSeconds(60);
            TimeSpan? seen = null;
            // A busy loop: the write lasts milliseconds, a timer would miss it.
            while (!process.HasExited)
            {
                if (kill?.AfterTempFile is { } offset)
                {
                    if (seen is null && TempFiles(data).Except(oldTempFiles).Any()) seen = watch.Elapsed;
                    if (seen is not null && watch.Elapsed >= seen + offset) break;
                }
                if (watch.Elapsed >= deadline) break;
                Thread.Yield();
            }
            if (process.HasExited)
                return $"exited after {watch.Elapsed.TotalMilliseconds:F0} ms" + (seen is null ? "" : $", temp file seen at {seen.Value.TotalMilliseconds:F0} ms");
            process.Kill(entireProcessTree: true);
            return $"killed at {watch.Elapsed.TotalMilliseconds:F0} ms" + (seen is null ? "" : $", temp file seen at {seen.Value.TotalMilliseconds:F0} ms");
        });
        await process.WaitForExitAsync();
        await Task.WhenAll(stdout, stderr);
        Assert.True(kill is not null || process.ExitCode == 0, $"{what}, exit code {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return (process.ExitCode, what);
    }

    private static HashSet<string> TempFiles(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "registry.db.tmp*").ToHashSet(StringComparer.Ordinal) : [];
}
