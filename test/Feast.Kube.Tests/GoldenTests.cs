using Feast.Kubernetes;

namespace Feast.Kube.Tests;

/// <summary>
/// Every sample FeatureStore of Feast's operator (samples/, copied from infra/feast-operator/config/samples) renders to
/// exactly its golden file (golden/): the objects as YAML, or, for a sample that asks for what Feast.NET cannot run or
/// names a Secret the file does not hold, the one-line refusal. <c>FEAST_UPDATE_GOLDEN=1</c> rewrites the golden files.
/// </summary>
public sealed class GoldenTests
{
    internal static string[] SampleNames() =>
        Directory.GetFiles(TestPaths.Samples, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Samples() => new(SampleNames());

    /// <summary>What a sample renders to: the YAML stream, or <c># refused: MESSAGE</c>.</summary>
    internal static string RenderSample(string name)
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.Samples, name));
        try
        {
            return KubeYaml.WriteAll(FeatureStoreRenderer.Render(KubeManifest.Parse(text, name)));
        }
        catch (FeatureStoreResourceException e)
        {
            return $"# refused: {e.Message}\n";
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_RendersToItsGoldenFile(string name)
    {
        var actual = RenderSample(name);
        var golden = Path.Combine(TestPaths.Golden, name);
        if (Environment.GetEnvironmentVariable("FEAST_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(golden, actual);
            return;
        }
        Assert.True(File.Exists(golden), $"No golden file {golden}: run FEAST_UPDATE_GOLDEN=1 dotnet test test/Feast.Kube.Tests --filter GoldenTests and review it.");
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    [Fact]
    public void Rendering_IsDeterministic_AndEverySampleHasAGoldenFile()
    {
        foreach (var name in SampleNames())
        {
            Assert.Equal(RenderSample(name), RenderSample(name));
            Assert.True(File.Exists(Path.Combine(TestPaths.Golden, name)), name);
        }
        Assert.Equal(SampleNames().Length, Directory.GetFiles(TestPaths.Golden, "*.yaml").Length);
    }
}
