using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Feast.Deploy.Tests;

/// <summary>
/// The image by itself (eng/image.sh): who it runs as, its labels, and the verbs a CronJob or an operator's init step
/// runs (<c>apply</c>, <c>materialize-incremental</c>, a read) on a repo mounted at /repo with its configuration from
/// <c>FEATURE_STORE_YAML_BASE64</c>, on a read-only root filesystem as the manifests run it.
/// </summary>
[Collection(PodmanCollection.Name)]
public sealed class ImageTests(ImageFixture image) : IDisposable
{
    private readonly string _root = Run.NewDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_image_runs_feast_as_a_non_root_user_and_carries_its_version_labels()
    {
        var config = await Run.PodmanAsync("image", "inspect", "--format", "{{json .Config}}", image.Image);
        using var json = JsonDocument.Parse(config);
        var root = json.RootElement;
        Assert.Equal("10001", root.GetProperty("User").GetString());
        Assert.Equal("/usr/local/bin/feast", root.GetProperty("Entrypoint")[0].GetString());
        var labels = root.GetProperty("Labels");
        foreach (var label in new[] { "org.opencontainers.image.version", "org.opencontainers.image.source", "org.opencontainers.image.revision" })
        {
            Assert.True(labels.TryGetProperty(label, out var value) && value.GetString() is { Length: > 0 }, $"no {label} label in {labels}");
        }

        var help = await Run.PodmanAsync("run", "--rm", image.Image, "--help");
        Assert.Contains("serve_registry", help, StringComparison.Ordinal);
        var id = await Run.PodmanAsync("run", "--rm", "--entrypoint", "/usr/bin/id", image.Image);
        Assert.Contains("uid=10001(feast)", id, StringComparison.Ordinal);
        // The web UI's bundle is beside the executable, where `feast ui` looks for it.
        var ui = await Run.PodmanAsync("run", "--rm", "--entrypoint", "/bin/ls", image.Image, "/app/feast-ui");
        Assert.Contains("index.js", ui, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_and_materialize_incremental_run_in_the_image_with_the_configuration_from_FEATURE_STORE_YAML_BASE64()
    {
        var (code, output) = await Run.FeastAsync(_root, "init", "shop");
        Assert.True(code == 0, output);
        var repo = Path.Combine(_root, "shop", "feature_repo");
        var yaml = Path.Combine(repo, "feature_store.yaml");
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(yaml)));
        File.Delete(yaml); // only the variable holds the configuration
        Run.OpenToAll(_root);

        string[] container = ["run", "--rm", "--read-only", "--tmpfs", "/tmp", "-v", $"{repo}:/repo", "-w", "/repo",
            "-e", $"FEATURE_STORE_YAML_BASE64={base64}", image.Image];
        var apply = await Run.PodmanAsync([.. container, "apply"]);
        Assert.Contains("driver_hourly_stats", apply, StringComparison.Ordinal);

        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        var materialized = await Run.PodmanAsync([.. container, "materialize-incremental", now]);
        Assert.Contains("driver_hourly_stats", materialized, StringComparison.Ordinal);

        var read = await Run.PodmanAsync([.. container, "get-online-features", "-f", "driver_hourly_stats:conv_rate", "-e", "driver_id=1001"]);
        Assert.Contains("PRESENT", read, StringComparison.Ordinal);
        Assert.False(File.Exists(yaml));
    }
}
