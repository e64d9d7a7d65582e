namespace Feast.Kube.Tests;

/// <summary><c>feast kube render</c> as a real process: stdout, a folder of files, stdin, bad input and help.</summary>
public sealed class KubeRenderCommandTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string SamplePath(string name) => Path.Combine(TestPaths.Samples, name);

    [Fact]
    public async Task Render_ToStdout_IsTheGoldenFile_AndStdinReadsTheSame()
    {
        const string sample = "v1_featurestore_db_persistence.yaml";
        var golden = await File.ReadAllTextAsync(Path.Combine(TestPaths.Golden, sample));
        var (code, stdout, stderr) = await FeastProcess.RunAsync(["kube", "render", SamplePath(sample)]);
        Assert.True(code == 0, stderr);
        Assert.Equal(golden, stdout);
        var (fromStdin, piped, _) = await FeastProcess.RunAsync(["kube", "render", "-"], await File.ReadAllTextAsync(SamplePath(sample)));
        Assert.Equal(0, fromStdin);
        Assert.Equal(golden, piped);
    }

    [Fact]
    public async Task Render_ToAFolder_WritesOneFilePerObject_InOrder()
    {
        var output = Path.Combine(_dir, "out");
        var (code, stdout, stderr) = await FeastProcess.RunAsync(["kube", "render", SamplePath("v1_featurestore_with_ui.yaml"), "-o", output,
            "--image", "registry.example/feast:1", "--namespace", "team"]);
        Assert.True(code == 0, stderr);
        var files = Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Contains($"Wrote {files.Count} objects to {output}", stdout, StringComparison.Ordinal);
        Assert.Equal("01-serviceaccount-feast-sample-ui.yaml", files[0]);
        Assert.Contains(files, f => f!.EndsWith("-deployment-feast-sample-ui.yaml", StringComparison.Ordinal));
        var deployment = await File.ReadAllTextAsync(Path.Combine(output, files.Single(f => f!.Contains("-deployment-", StringComparison.Ordinal))!));
        Assert.Contains("image: registry.example/feast:1", deployment, StringComparison.Ordinal);
        Assert.Contains("namespace: team", deployment, StringComparison.Ordinal);
        Assert.Contains("- ui\n", deployment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_OfABadResource_IsOneClearError_WithoutAStackTrace()
    {
        var file = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: feast.dev/v1\nkind: FeatureStore\nmetadata: {name: s}\nspec: {feastProject: p, servics: {}}\n");
        var (code, stdout, stderr) = await FeastProcess.RunAsync(["kube", "render", file]);
        Assert.Equal(1, code);
        Assert.Contains("unknown field 'servics'. Did you mean 'services'?", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        var (missing, _, error) = await FeastProcess.RunAsync(["kube", "render", Path.Combine(_dir, "nope.yaml")]);
        Assert.Equal(1, missing);
        Assert.Contains("nope.yaml: no such file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ExplainsRenderAndOperator()
    {
        var (_, render, _) = await FeastProcess.RunAsync(["kube", "render", "--help"]);
        Assert.Contains("Render FeatureStore resources of Feast's Kubernetes operator", render, StringComparison.Ordinal);
        Assert.Contains("--output", render, StringComparison.Ordinal);
        Assert.Contains("--namespace", render, StringComparison.Ordinal);
        var (_, op, _) = await FeastProcess.RunAsync(["operator", "--help"]);
        Assert.Contains("server-side apply", op, StringComparison.Ordinal);
        Assert.Contains("--kubeconfig", op, StringComparison.Ordinal);
    }
}
