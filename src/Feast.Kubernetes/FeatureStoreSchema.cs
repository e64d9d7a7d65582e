namespace Feast.Kubernetes;

/// <summary>A FeatureStore resource breaks a rule of its schema, names a missing object, or asks for what Feast.NET cannot run.</summary>
public sealed class FeatureStoreResourceException : FeastValidationException
{
    /// <inheritdoc cref="FeastException(string)"/>
    public FeatureStoreResourceException(string message) : base(message) { }
}

/// <summary>
/// The fields of Feast's <c>FeatureStore</c> spec (<c>feast.dev/v1</c>, infra/feast-operator/api/v1 in feast-dev/feast):
/// every field is checked by name (an unknown one is an error with a did-you-mean) and by kind of value. Fields whose
/// values are Kubernetes types (env, resources, volumes, affinity, ...) are passed through as written.
/// </summary>
internal abstract class Shape
{
    public abstract void Check(object? value, string path);

    protected static FeatureStoreResourceException Wrong(string path, string expected, object? value) =>
        new($"{path}: expected {expected}, got {Describe(value)}.");

    private static string Describe(object? value) => value switch
    {
        null => "nothing (null)",
        OrderedDictionary<string, object?> => "a mapping",
        List<object?> => "a list",
        string s => $"'{s}'",
        _ => $"'{Tree.Scalar(value)}'",
    };

    public static readonly Shape Str = new ScalarShape("a string", v => v is string or long or double);
    public static readonly Shape Bool = new ScalarShape("true or false", v => v is bool);
    public static readonly Shape Int = new ScalarShape("a whole number", v => v is long);
    public static readonly Shape IntOrStr = new ScalarShape("a number or a percentage", v => v is long or string);
    public static readonly Shape Any = new AnyShape();
    public static readonly Shape StrMap = new MapShape(new ScalarShape("a string", v => v is string or long or double or bool));
    public static readonly Shape BoolMap = new MapShape(Bool);
    public static Shape ListOf(Shape item) => new ListShape(item);
    public static Shape Enum(params string[] values) => new EnumShape(values);
    public static ObjectShape Obj(params (string Name, Shape Shape)[] fields) => new(fields);

    private sealed class ScalarShape(string expected, Func<object, bool> accepts) : Shape
    {
        public override void Check(object? value, string path)
        {
            if (value is null || !accepts(value)) throw Wrong(path, expected, value);
        }
    }

    private sealed class EnumShape(string[] values) : Shape
    {
        public override void Check(object? value, string path)
        {
            if (value is string s && values.Contains(s, StringComparer.Ordinal)) return;
            var given = Tree.Scalar(value) ?? "";
            var suggestion = DidYouMean.Suggest(given, values);
            throw new FeatureStoreResourceException(
                $"{path}: '{given}' is not one of {string.Join(", ", values)}." + (suggestion is null ? "" : $" Did you mean '{suggestion}'?"));
        }
    }

    private sealed class AnyShape : Shape
    {
        public override void Check(object? value, string path) { }
    }

    private sealed class MapShape(Shape values) : Shape
    {
        public override void Check(object? value, string path)
        {
            if (value is not OrderedDictionary<string, object?> map) throw Wrong(path, "a mapping", value);
            foreach (var (key, v) in map) values.Check(v, $"{path}.{key}");
        }
    }

    private sealed class ListShape(Shape item) : Shape
    {
        public override void Check(object? value, string path)
        {
            if (value is not List<object?> list) throw Wrong(path, "a list", value);
            for (var i = 0; i < list.Count; i++) item.Check(list[i], $"{path}[{i}]");
        }
    }
}

/// <summary>A mapping with known fields; an unknown field is an error naming it and the closest known one.</summary>
internal sealed class ObjectShape : Shape
{
    private readonly (string Name, Shape Shape)[] _fields;

    public ObjectShape(params (string Name, Shape Shape)[] fields) => _fields = fields;

    /// <summary>The same fields and <paramref name="more"/>.</summary>
    public ObjectShape With(params (string Name, Shape Shape)[] more) => new([.. _fields, .. more]);

    public override void Check(object? value, string path)
    {
        if (value is null) return;
        if (value is not OrderedDictionary<string, object?> map) throw Wrong(path, "a mapping", value);
        foreach (var (key, v) in map)
        {
            var field = Array.Find(_fields, f => f.Name == key);
            if (field.Shape is null)
            {
                var names = _fields.Select(f => f.Name).ToArray();
                var suggestion = DidYouMean.Suggest(key, names);
                throw new FeatureStoreResourceException($"{path}: unknown field '{key}'." +
                    (suggestion is null ? "" : $" Did you mean '{suggestion}'?") + $" Known fields: {string.Join(", ", names)}.");
            }
            if (v is null && field.Shape is ObjectShape) continue;
            field.Shape.Check(v, $"{path}.{key}");
        }
    }
}

/// <summary>The FeatureStore v1 spec's shape.</summary>
internal static class FeatureStoreSchema
{
    private static readonly Shape LocalRef = Shape.Obj(("name", Shape.Str));

    public static readonly string[] LogLevels = ["debug", "info", "warning", "error", "critical"];

    private static readonly ObjectShape Tls = Shape.Obj(
        ("secretRef", LocalRef),
        ("secretKeyNames", Shape.Obj(("tlsCrt", Shape.Str), ("tlsKey", Shape.Str))),
        ("disable", Shape.Bool));

    private static readonly ObjectShape ContainerConfigs = Shape.Obj(
        ("image", Shape.Str), ("env", Shape.ListOf(Shape.Any)), ("envFrom", Shape.ListOf(Shape.Any)),
        ("imagePullPolicy", Shape.Enum("Always", "Never", "IfNotPresent")), ("resources", Shape.Any), ("nodeSelector", Shape.StrMap));

    private static readonly ObjectShape WorkerConfigs = Shape.Obj(
        ("workers", Shape.Int), ("workerConnections", Shape.Int), ("maxRequests", Shape.Int), ("maxRequestsJitter", Shape.Int),
        ("keepAliveTimeout", Shape.Int), ("registryTTLSeconds", Shape.Int));

    private static readonly ObjectShape ServerConfigs = ContainerConfigs.With(
        ("tls", Tls), ("logLevel", Shape.Enum(LogLevels)), ("metrics", Shape.Bool), ("volumeMounts", Shape.ListOf(Shape.Any)),
        ("workerConfigs", WorkerConfigs));

    private static readonly ObjectShape Mcp = Shape.Obj(
        ("enabled", Shape.Bool), ("serverName", Shape.Str), ("serverVersion", Shape.Str), ("transport", Shape.Enum("sse", "http")));

    private static readonly ObjectShape RegistryServerConfigs = ServerConfigs.With(("restAPI", Shape.Bool), ("grpc", Shape.Bool), ("mcp", Mcp));

    private static readonly ObjectShape Pvc = Shape.Obj(
        ("ref", LocalRef),
        ("create", Shape.Obj(("accessModes", Shape.ListOf(Shape.Str)), ("storageClassName", Shape.Str), ("resources", Shape.Any))),
        ("mountPath", Shape.Str));

    private static ObjectShape DbStore => Shape.Obj(("type", Shape.Str), ("secretRef", LocalRef), ("secretKeyName", Shape.Str));

    private static readonly ObjectShape OfflineStore = Shape.Obj(
        ("server", ServerConfigs),
        ("persistence", Shape.Obj(
            ("file", Shape.Obj(("type", Shape.Enum("dask", "duckdb", "file")), ("pvc", Pvc))),
            ("store", DbStore))));

    private static readonly ObjectShape OnlineStore = Shape.Obj(
        ("server", ServerConfigs),
        ("persistence", Shape.Obj(("file", Shape.Obj(("path", Shape.Str), ("pvc", Pvc))), ("store", DbStore))),
        ("serving", Shape.Obj(
            ("metrics", Shape.Obj(("enabled", Shape.Bool), ("categories", Shape.BoolMap))),
            ("offlinePushBatching", Shape.Obj(("enabled", Shape.Bool), ("batchSize", Shape.Int), ("batchIntervalSeconds", Shape.Int))),
            ("mcp", Mcp))),
        ("disabled", Shape.Bool));

    private static readonly ObjectShape Registry = Shape.Obj(
        ("local", Shape.Obj(
            ("server", RegistryServerConfigs),
            ("persistence", Shape.Obj(
                ("file", Shape.Obj(("path", Shape.Str), ("pvc", Pvc), ("s3_additional_kwargs", Shape.StrMap), ("cache_ttl_seconds", Shape.Int),
                    ("cache_mode", Shape.Enum("sync", "thread")))),
                ("store", DbStore))))),
        ("remote", Shape.Obj(
            ("hostname", Shape.Str),
            ("feastRef", Shape.Obj(("name", Shape.Str), ("namespace", Shape.Str))),
            ("tls", Shape.Obj(("configMapRef", LocalRef), ("certName", Shape.Str))))));

    private static readonly ObjectShape Services = Shape.Obj(
        ("offlineStore", OfflineStore), ("onlineStore", OnlineStore), ("registry", Registry), ("ui", ServerConfigs),
        ("deploymentStrategy", Shape.Any), ("securityContext", Shape.Any), ("podAnnotations", Shape.StrMap),
        ("disableInitContainers", Shape.Bool), ("initImage", Shape.Str), ("runFeastApplyOnInit", Shape.Bool),
        ("volumes", Shape.ListOf(Shape.Any)),
        ("scaling", Shape.Obj(("autoscaling", Shape.Obj(
            ("minReplicas", Shape.Int), ("maxReplicas", Shape.Int), ("metrics", Shape.ListOf(Shape.Any)), ("behavior", Shape.Any))))),
        ("podDisruptionBudgets", Shape.Obj(("minAvailable", Shape.IntOrStr), ("maxUnavailable", Shape.IntOrStr))),
        ("topologySpreadConstraints", Shape.ListOf(Shape.Any)), ("affinity", Shape.Any), ("tolerations", Shape.ListOf(Shape.Any)),
        ("nodeSelector", Shape.StrMap), ("resourceClaims", Shape.ListOf(Shape.Any)));

    private static readonly ObjectShape CronJob = Shape.Obj(
        ("annotations", Shape.StrMap),
        ("jobSpec", Shape.Obj(
            ("podTemplateAnnotations", Shape.StrMap), ("parallelism", Shape.Int), ("completions", Shape.Int), ("activeDeadlineSeconds", Shape.Int),
            ("podFailurePolicy", Shape.Any), ("backoffLimit", Shape.Int), ("backoffLimitPerIndex", Shape.Int), ("maxFailedIndexes", Shape.Int),
            ("ttlSecondsAfterFinished", Shape.Int), ("completionMode", Shape.Enum("NonIndexed", "Indexed")), ("suspend", Shape.Bool),
            ("podReplacementPolicy", Shape.Enum("TerminatingOrFailed", "Failed")))),
        ("containerConfigs", ContainerConfigs.With(("commands", Shape.ListOf(Shape.Str)))),
        ("schedule", Shape.Str), ("timeZone", Shape.Str), ("startingDeadlineSeconds", Shape.Int),
        ("concurrencyPolicy", Shape.Enum("Allow", "Forbid", "Replace")), ("suspend", Shape.Bool),
        ("successfulJobsHistoryLimit", Shape.Int), ("failedJobsHistoryLimit", Shape.Int));

    private static readonly ObjectShape OpenLineage = Shape.Obj(
        ("enabled", Shape.Bool), ("transportType", Shape.Enum("http", "console", "file", "kafka")), ("transportUrl", Shape.Str),
        ("transportEndpoint", Shape.Str), ("apiKeySecretRef", LocalRef), ("extraConfig", Shape.StrMap),
        ("consumer", Shape.Obj(
            ("enabled", Shape.Bool), ("storeType", Shape.Str), ("connectionStringSecretRef", LocalRef), ("apiKeySecretRef", LocalRef),
            ("namespaceMapping", Shape.StrMap), ("retentionDays", Shape.Int), ("retentionCheckIntervalHours", Shape.Int),
            ("lineageServer", Shape.Obj(("server", ServerConfigs), ("replicas", Shape.Int))))));

    private static readonly ObjectShape Mlflow = Shape.Obj(
        ("enabled", Shape.Bool), ("trackingUri", Shape.Str), ("uiUrl", Shape.Str), ("autoLog", Shape.Bool), ("autoLogEntityDf", Shape.Bool),
        ("entityDfMaxRows", Shape.Int), ("logOperations", Shape.Bool), ("opsExperimentSuffix", Shape.Str), ("trackingAuth", Shape.Str),
        ("extraConfig", Shape.StrMap));

    /// <summary>The whole spec.</summary>
    public static readonly ObjectShape Spec = Shape.Obj(
        ("feastProject", Shape.Str),
        ("feastProjectDir", Shape.Obj(
            ("git", Shape.Obj(("url", Shape.Str), ("ref", Shape.Str), ("configs", Shape.StrMap), ("featureRepoPath", Shape.Str),
                ("env", Shape.ListOf(Shape.Any)), ("envFrom", Shape.ListOf(Shape.Any)))),
            ("init", Shape.Obj(("minimal", Shape.Bool), ("template", Shape.Str))),
            ("packaged", Shape.Obj(("image", Shape.Str), ("featureRepoPath", Shape.Str))))),
        ("services", Services),
        ("authz", Shape.Obj(
            ("kubernetes", Shape.Obj(("roles", Shape.ListOf(Shape.Str)))),
            ("oidc", Shape.Obj(("issuerUrl", Shape.Str), ("secretRef", LocalRef), ("secretKeyName", Shape.Str), ("tokenEnvVar", Shape.Str),
                ("verifySSL", Shape.Bool), ("caCertConfigMap", Shape.Obj(("name", Shape.Str), ("key", Shape.Str))),
                ("jwksCacheLifespanSeconds", Shape.Int), ("jwksRequestTimeoutSeconds", Shape.Int))),
            ("noAuth", Shape.Bool))),
        ("cronJob", CronJob),
        ("batchEngine", Shape.Obj(("configMapRef", LocalRef), ("configMapKey", Shape.Str))),
        ("dataQualityMonitoring", Shape.Obj(("autoBaseline", Shape.Bool))),
        ("replicas", Shape.Int),
        ("materialization", Shape.Obj(("onlineWriteBatchSize", Shape.Int), ("extraConfig", Shape.StrMap))),
        ("openlineage", OpenLineage),
        ("mlflow", Mlflow));

    /// <summary>The top level of the resource.</summary>
    public static readonly ObjectShape Resource = Shape.Obj(
        ("apiVersion", Shape.Str), ("kind", Shape.Str), ("metadata", Shape.Any), ("spec", Spec), ("status", Shape.Any));
}
