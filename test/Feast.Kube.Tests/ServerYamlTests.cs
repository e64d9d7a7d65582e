using System.Text;
using Feast.Kubernetes;

namespace Feast.Kube.Tests;

/// <summary>
/// The servers' feature_store.yaml of every sample that renders is one Feast.NET reads: <c>feast configuration</c>, run as
/// a process with only <c>FEATURE_STORE_YAML_BASE64</c> (as in the operator's pods), accepts it, or names the store
/// Feast.NET does not have (the GCS sample's Bigtable online store).
/// </summary>
public sealed class ServerYamlTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task EveryRenderedSample_ServerYaml_IsAcceptedByFeastConfiguration()
    {
        var checkedCount = 0;
        foreach (var name in GoldenTests.SampleNames())
        {
            var manifest = KubeManifest.Parse(await File.ReadAllTextAsync(Path.Combine(TestPaths.Samples, name)), name);
            IReadOnlyList<KubeObject> objects;
            try
            {
                objects = FeatureStoreRenderer.Render(manifest);
            }
            catch (FeatureStoreResourceException)
            {
                continue;
            }
            var yaml = BadInputTests.ServerYaml(objects);
            Assert.Equal(FeatureStoreRenderer.ServerFeatureStoreYaml(manifest.FeatureStores[0], manifest), yaml);
            var (code, stdout, stderr) = await FeastProcess.RunWithYamlAsync(_dir, Convert.ToBase64String(Encoding.UTF8.GetBytes(yaml)), ["configuration"]);
            if (name == "v1_featurestore_gcs.yaml")
            {
                Assert.Equal(1, code);
                Assert.Contains("online store type 'bigtable' is not supported by Feast.NET", stderr, StringComparison.Ordinal);
                continue;
            }
            Assert.True(code == 0, $"{name}: {stdout}{stderr}\n{yaml}");
            checkedCount++;
        }
        Assert.True(checkedCount >= 15, $"only {checkedCount} samples rendered");
    }
}
