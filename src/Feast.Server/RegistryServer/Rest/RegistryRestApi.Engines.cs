using System.Text.Json.Nodes;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// Feast's compute-engine routes: the served store's materialization engine (<c>batch_engine</c>) with the batch and
/// stream views it materializes, and the materializations the views' metadata record, over the views the caller may list.
/// </summary>
internal sealed partial class RegistryRestApi
{
    /// <summary>Feast's engine classes by <c>batch_engine.type</c> (its <c>BATCH_ENGINE_CLASS_FOR_TYPE</c>), by class name.</summary>
    private static readonly Dictionary<string, string> EngineClasses = new(StringComparer.Ordinal)
    {
        ["local"] = "LocalComputeEngine",
        ["snowflake.engine"] = "SnowflakeComputeEngine",
        ["lambda"] = "LambdaComputeEngine",
        ["k8s"] = "KubernetesComputeEngine",
        ["spark.engine"] = "SparkComputeEngine",
        ["ray.engine"] = "RayComputeEngine",
        ["flink.engine"] = "FlinkComputeEngine",
        ["spark_application"] = "SparkApplicationComputeEngine",
    };

    /// <summary>
    /// <c>GET /compute_engines?project=</c>: <c>{engine: {engineType, engineClass, config: {type}, featureViewCount,
    /// project}, featureViews: [{name, type: Batch|Stream, online, lastMaterialized, hasOverride, overrides,
    /// materializationIntervals}]}</c>. The engine's options are not answered (they may hold credentials): only its type.
    /// </summary>
    public JsonNode ComputeEngines(Call call)
    {
        var project = call.Query.Project;
        var views = new JsonArray();
        foreach (var view in BatchAndStreamViews(call, project))
        {
            var (spec, meta, type) = view switch
            {
                P.FeatureView v => (v.Spec, v.Meta, "Batch"),
                P.StreamFeatureView v => ((IMessage)v.Spec, (IMessage?)v.Meta, "Stream"),
                _ => throw new InvalidOperationException("Not a batch or stream view."),
            };
            var specJson = RestJson.Object(spec);
            var intervals = meta is null ? new JsonArray() : RestJson.Object(meta)["materializationIntervals"]?.DeepClone() as JsonArray ?? [];
            views.Add(new JsonObject
            {
                ["name"] = specJson["name"]?.DeepClone(),
                ["type"] = type,
                ["online"] = specJson["online"]?.GetValue<bool>() ?? false,
                ["lastMaterialized"] = intervals.Count > 0 ? intervals[^1]?["endTime"]?.DeepClone() : null,
                ["hasOverride"] = false,
                ["overrides"] = null,
                ["materializationIntervals"] = intervals,
            });
        }
        var engine = EngineInfo();
        engine["featureViewCount"] = views.Count;
        engine["project"] = project;
        return new JsonObject { ["engine"] = engine, ["featureViews"] = views };
    }

    /// <summary>
    /// <c>GET /compute_engines/all?page=1&amp;limit=50</c>: the engine once per project the caller may describe, with the
    /// project's batch view count; <c>pagination: {page, limit, total}</c>.
    /// </summary>
    public JsonNode AllComputeEngines(Call call)
    {
        var page = call.Query.Int("page", 1, int.MaxValue) ?? 1;
        var limit = call.Query.Int("limit", 1, 100) ?? 50;
        var engines = new List<JsonNode>();
        foreach (var project in VisibleProjects(call))
        {
            var engine = EngineInfo();
            engine["project"] = project;
            engine["featureViewCount"] = Visible(call, project, call.Registry.FeatureViews.Where(v => v.Spec?.Project == project), m => ((P.FeatureView)m).Spec.Tags, NoTags).Count;
            engines.Add(engine);
        }
        var start = (long)(page - 1) * limit;
        var paged = start >= engines.Count ? [] : engines.Skip((int)start).Take(limit).ToList();
        return new JsonObject
        {
            ["engines"] = new JsonArray([.. paged]),
            ["pagination"] = new JsonObject { ["page"] = page, ["limit"] = limit, ["total"] = engines.Count },
        };
    }

    /// <summary>
    /// <c>GET /materialization_jobs?project=&amp;status=&amp;feature_view=&amp;page=&amp;limit=</c>: every materialization
    /// interval a batch view's metadata records, as a <c>SUCCEEDED</c> job <c>{id: view-index, featureView, status,
    /// startTime, endTime}</c>, newest first; <c>pagination: {page, limit, total}</c> (page 1 and limit 50 when absent).
    /// </summary>
    public JsonNode MaterializationJobs(Call call)
    {
        var project = call.Query.Project;
        var pagination = call.Query.Pagination();
        var status = call.Query.Optional("status");
        var viewName = call.Query.Optional("feature_view");
        var jobs = new List<JsonObject>();
        foreach (var message in Visible(call, project, call.Registry.FeatureViews.Where(v => v.Spec?.Project == project), m => ((P.FeatureView)m).Spec.Tags, NoTags))
        {
            var view = (P.FeatureView)message;
            var intervals = view.Meta is null ? [] : RestJson.Object(view.Meta)["materializationIntervals"] as JsonArray ?? [];
            for (var i = 0; i < intervals.Count; i++)
            {
                jobs.Add(new JsonObject
                {
                    ["id"] = $"{view.Spec.Name}-{i}",
                    ["featureView"] = view.Spec.Name,
                    ["status"] = "SUCCEEDED",
                    ["startTime"] = intervals[i]?["startTime"]?.DeepClone(),
                    ["endTime"] = intervals[i]?["endTime"]?.DeepClone(),
                });
            }
        }
        var ordered = jobs.OrderByDescending(j => j["startTime"]?.GetValue<string>() ?? "", StringComparer.Ordinal)
            .Where(j => string.IsNullOrEmpty(status) || string.Equals(j["status"]!.GetValue<string>(), status, StringComparison.OrdinalIgnoreCase))
            .Where(j => string.IsNullOrEmpty(viewName) || j["featureView"]!.GetValue<string>() == viewName)
            .ToList();
        var (page, limit) = (pagination.Page == 0 ? 1 : pagination.Page, pagination.Limit == 0 ? 50 : pagination.Limit);
        var start = (long)(page - 1) * limit;
        var paged = start >= ordered.Count ? [] : ordered.Skip((int)start).Take(limit).ToList();
        return new JsonObject
        {
            ["jobs"] = RestJson.Array(paged),
            ["pagination"] = new JsonObject { ["page"] = page, ["limit"] = limit, ["total"] = ordered.Count },
        };
    }

    private JsonObject EngineInfo()
    {
        var type = state.Store.Config.BatchEngine.Type;
        return new JsonObject
        {
            ["engineType"] = type,
            ["engineClass"] = EngineClasses.GetValueOrDefault(type) ?? type[(type.LastIndexOf('.') + 1)..],
            ["config"] = new JsonObject { ["type"] = type },
        };
    }

    private List<IMessage> BatchAndStreamViews(Call call, string project) =>
    [
        .. Visible(call, project, call.Registry.FeatureViews.Where(v => v.Spec?.Project == project), m => ((P.FeatureView)m).Spec.Tags, NoTags),
        .. Visible(call, project, call.Registry.StreamFeatureViews.Where(v => v.Spec?.Project == project), m => ((P.StreamFeatureView)m).Spec.Tags, NoTags),
    ];
}
