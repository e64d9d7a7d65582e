using System.CommandLine;
using System.Globalization;
using Feast.Kubernetes;

namespace Feast.Cli.Commands;

/// <summary>
/// <c>feast kube render</c>: Feast's operator as a pure function. A file with <c>FeatureStore</c> resources (feast.dev/v1)
/// and the Secrets/ConfigMaps they name in, the Kubernetes objects Feast's operator would make out, running Feast.NET's
/// image: to stdout as one YAML stream, or one file per object in a folder.
/// </summary>
internal static class KubeCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("featurestore.yaml")
        {
            Description = "A YAML file with FeatureStore resources (apiVersion feast.dev/v1) and the Secrets and ConfigMaps they name; - reads stdin.",
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Where to write: - (the default) writes one YAML stream to stdout; a folder gets one file per object (NN-kind-name.yaml).",
            HelpName = "folder|-",
            DefaultValueFactory = _ => "-",
        };
        var image = new Option<string>("--image")
        {
            Description = "Feast.NET's image, for the servers and init containers the resource gives no image for.",
            HelpName = "image",
            DefaultValueFactory = _ => new RenderOptions().Image,
        };
        var ns = new Option<string?>("--namespace", "-n")
        {
            Description = "The namespace of resources that name none (default: default). A resource in another namespace is an error.",
            HelpName = "namespace",
        };
        var cronImage = new Option<string>("--cronjob-image")
        {
            Description = "The CronJob's image (it runs kubectl exec into the Deployment), when cronJob.containerConfigs.image is not set.",
            HelpName = "image",
            DefaultValueFactory = _ => new RenderOptions().CronJobImage,
        };
        var render = new Command("render",
            "Render FeatureStore resources of Feast's Kubernetes operator (feast.dev/v1) into the objects the operator makes: the Deployment " +
            "feast-NAME with a container per server (registry, online, offline, ui) running Feast.NET with the operator's arguments and " +
            "FEATURE_STORE_YAML_BASE64, its Services, ServiceAccount, client ConfigMap, PVCs, RBAC, HPA, PDB and CronJob. Store settings are read " +
            "from the Secrets in the same file, as the operator reads them from the cluster. Nothing is sent to a cluster: apply the output with " +
            "kubectl apply -f, or run feast operator to reconcile FeatureStores in a cluster.\n" +
            "Example: feast kube render featurestore.yaml -o rendered/ --image localhost/feast:latest")
        {
            file, output, image, ns, cronImage,
        };
        render.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            string text;
            try
            {
                text = path == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(path, ct);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new FeastValidationException($"{path}: no such file. Give the YAML file of the FeatureStore resource.");
            }
            var options = new RenderOptions { Image = result.GetValue(image)!, Namespace = result.GetValue(ns), CronJobImage = result.GetValue(cronImage)! };
            var objects = FeatureStoreRenderer.Render(KubeManifest.Parse(text, path == "-" ? "stdin" : path), options);
            var target = result.GetValue(output)!;
            if (target == "-")
            {
                await context.Out.WriteAsync(KubeYaml.WriteAll(objects));
                await context.Out.FlushAsync(ct);
                return ExitCodes.Ok;
            }
            Directory.CreateDirectory(target);
            for (var i = 0; i < objects.Count; i++)
            {
                var o = objects[i];
                var name = $"{(i + 1).ToString("D2", CultureInfo.InvariantCulture)}-{o.Kind.ToLowerInvariant()}-{o.Name}.yaml";
                await File.WriteAllTextAsync(Path.Combine(target, name), KubeYaml.Write(o.Body), ct);
            }
            await context.Out.WriteLineAsync($"Wrote {objects.Count} objects to {target}");
            return ExitCodes.Ok;
        });
        return new Command("kube", "Kubernetes: render the objects of Feast's operator FeatureStore resource (feast kube render).") { render };
    }
}
