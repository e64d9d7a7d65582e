using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Feast.Deploy.Tests;

/// <summary>
/// Processes the tests run: podman (set up by <c>eng/services.sh</c>'s <c>ensure_podman</c>, whose variables name its
/// configuration and image storage), <c>kubectl kustomize</c>, <c>eng/image.sh</c> and the host's <c>feast</c>.
/// </summary>
internal static class Run
{
    /// <summary>The repository's root (the folder with Feast.slnx above the test assembly).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The image under test: <c>$FEAST_TEST_IMAGE</c> (eng/test.sh sets it after building), else localhost/feast:latest.</summary>
    public static string Image => Environment.GetEnvironmentVariable("FEAST_TEST_IMAGE") is { Length: > 0 } image ? image : "localhost/feast:latest";

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; its exit code and its output and error together.</summary>
    public static async Task<(int Code, string Output)> CommandAsync(string file, IEnumerable<string> args, TimeSpan timeout,
        string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoRoot,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"cannot run {file}: {e.Message}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{file} {string.Join(' ', args)} did not finish within {timeout}:\n{await stdout}{await stderr}");
            }
            return (process.ExitCode, await stdout + await stderr);
        }
    }

    /// <summary>podman with the arguments; fails the test with its output when it fails.</summary>
    public static async Task<string> PodmanAsync(params string[] args)
    {
        var (code, output) = await CommandAsync("podman", args, TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"podman {string.Join(' ', args)} failed ({code}):\n{output}");
        return output;
    }

    /// <summary>The host's <c>feast</c> (the CLI built beside the tests) in <paramref name="repo"/>.</summary>
    public static Task<(int Code, string Output)> FeastAsync(string repo, params string[] args) =>
        CommandAsync(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Feast.Cli.dll"), "--chdir", repo, .. args], TimeSpan.FromMinutes(5));

    /// <summary>
    /// Fails with what to do when podman cannot run here: these tests are never skipped, a machine that cannot run them
    /// says so.
    /// </summary>
    public static async Task RequirePodmanAsync()
    {
        if (Environment.GetEnvironmentVariable("CONTAINERS_CONF") is not { Length: > 0 })
        {
            Assert.Fail("CONTAINERS_CONF is not set: run the tests with eng/test.sh, or `source eng/services.sh && ensure_podman` first " +
                "(it installs podman from Debian when missing and writes the containers.conf this machine needs).");
        }
        var (code, output) = await CommandAsync("podman", ["info", "--format", "{{.Host.OCIRuntime.Name}}"], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"podman cannot run here (podman info failed with {code}); install it (apt-get install podman runc) " +
            $"and set it up with `source eng/services.sh && ensure_podman`:\n{output}");
    }

    /// <summary>A free TCP port on loopback.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A new empty folder under the temp folder, readable and writable by the image's user (uid 10001).</summary>
    public static string NewDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "feast-deploy-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Lets every user read and write <paramref name="path"/> and everything under it (the pods run as uid 10001).</summary>
    public static void OpenToAll(string path)
    {
        if (OperatingSystem.IsWindows()) return; // podman runs Linux containers; file modes are a Linux matter
        const UnixFileMode all = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
            UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        for (var dir = path; dir.StartsWith(Path.GetTempPath(), StringComparison.Ordinal) && dir.Length > Path.GetTempPath().Length;
             dir = Path.GetDirectoryName(dir)!)
        {
            File.SetUnixFileMode(dir, all);
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories)) File.SetUnixFileMode(entry, all);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Feast.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Feast.slnx above {AppContext.BaseDirectory}");
    }
}
