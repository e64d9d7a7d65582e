using static Feast.Kubernetes.Tree;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kubernetes;

/// <summary>
/// The <c>feature_store.yaml</c> files the operator computes from a FeatureStore: the servers' (every container gets it
/// base64-encoded in its environment) and the clients' (the <c>feast-&lt;name&gt;-client</c> ConfigMap). Store settings
/// come from the Secrets the persistence sections name, as the operator reads them.
/// </summary>
internal static class RepoConfigs
{
    public static readonly string[] OfflineDbTypes = ["snowflake.offline", "bigquery", "redshift", "spark", "postgres", "trino", "athena",
        "mssql", "couchbase.offline", "clickhouse", "ray", "oracle", "hybrid"];

    public static readonly string[] OnlineDbTypes = ["snowflake.online", "redis", "datastore", "dynamodb", "bigtable", "postgres", "cassandra",
        "mysql", "hazelcast", "singlestore", "hbase", "elasticsearch", "qdrant", "couchbase.online", "milvus", "hybrid", "mongodb",
        "aerospike", "scylladb"];

    public static readonly string[] RegistryDbTypes = ["sql", "snowflake.registry"];

    /// <summary>The servers' <c>feature_store.yaml</c>.</summary>
    public static YMap Server(RenderContext c)
    {
        var config = Base(c);
        var services = c.Services;
        if (c.IsOfflineStore) config["offline_store"] = Offline(c, services.Map("offlineStore").Map("persistence"));
        config["online_store"] = Online(c);
        config["registry"] = c.IsRemoteRegistry ? Client(c).Map("registry") : Registry(c);
        config["auth"] = c.Spec.Map("authz") is { } authz && authz.Bool("noAuth") != true && authz.Map("oidc") is { } oidc ? ServerOidc(c, oidc) : Auth(c);
        config["entity_key_serialization_version"] = 3L;
        if (c.Spec.Map("batchEngine") is { } engine && engine.Map("configMapRef") is { } engineRef) config["batch_engine"] = BatchEngine(c, engine, engineRef);
        if (services.Map("onlineStore").Map("serving") is { } serving && !c.OnlineDisabled) config["feature_server"] = FeatureServer(serving);
        if (c.Spec.Map("materialization") is { } materialization)
            config["materialization"] = Merge(M(("online_write_batch_size", materialization.Int("onlineWriteBatchSize"))), Extra(materialization));
        if (c.Spec.Map("openlineage") is { } lineage) config["openlineage"] = OpenLineage(c, lineage);
        if (c.Spec.Map("mlflow") is { } mlflow && mlflow.Bool("enabled") == true) config["mlflow"] = Mlflow(mlflow);
        if (c.Spec.Map("dataQualityMonitoring").Bool("autoBaseline") is { } baseline) config["data_quality_monitoring"] = M(("auto_baseline", baseline));
        return Ordered(config);
    }

    /// <summary>The clients' <c>feature_store.yaml</c>: every store through its server's Service.</summary>
    public static YMap Client(RenderContext c)
    {
        var config = Base(c);
        if (c.IsOfflineServer)
        {
            var tls = c.Tls(FeastService.Offline);
            config["offline_store"] = M(("host", c.Hostname(FeastService.Offline)), ("type", "remote"), ("port", tls is null ? 80L : 443L),
                ("scheme", tls is null ? null : "https"), ("cert", tls is null ? null : RenderContext.TlsPath(FeastService.Offline) + tls.Value.Crt));
        }
        if (c.IsOnlineServer)
        {
            var tls = c.Tls(FeastService.Online);
            config["online_store"] = M(("path", $"{(tls is null ? "http" : "https")}://{c.Hostname(FeastService.Online)}:{(tls is null ? 80 : 443)}"),
                ("type", "remote"), ("cert", tls is null ? null : RenderContext.TlsPath(FeastService.Online) + tls.Value.Crt));
        }
        if (c.IsRegistryServer)
        {
            var tls = c.Tls(FeastService.Registry);
            config["registry"] = M(("path", $"{c.Hostname(FeastService.Registry)}:{(tls is null ? 80 : 443)}"), ("registry_type", "remote"),
                ("cert", tls is null ? null : RenderContext.TlsPath(FeastService.Registry) + tls.Value.Crt));
        }
        else if (c.IsRemoteRegistry)
        {
            var remote = c.Services.Map("registry").Map("remote")!;
            config["registry"] = M(("path", RemoteRegistryHost(c, remote)), ("registry_type", "remote"),
                ("cert", remote.Map("tls") is { } tls ? RenderContext.TlsPath(FeastService.Registry) + tls.Str("certName") : null));
        }
        config["auth"] = Auth(c);
        config["entity_key_serialization_version"] = 3L;
        if (c.Spec.Map("mlflow") is { } mlflow && mlflow.Bool("enabled") == true) config["mlflow"] = Mlflow(mlflow);
        return Ordered(config);
    }

    private static YMap Base(RenderContext c) => M(("project", c.Resource.FeastProject), ("provider", "local"));

    // The keys in the order of the operator's RepoConfig.
    private static readonly string[] Order = ["project", "provider", "offline_store", "online_store", "registry", "auth",
        "entity_key_serialization_version", "batch_engine", "feature_server", "materialization", "openlineage", "mlflow", "data_quality_monitoring"];

    private static YMap Ordered(YMap config) => M(Order.Where(config.ContainsKey).Select(k => (k, config[k])).ToArray());

    private static string RemoteRegistryHost(RenderContext c, YMap remote)
    {
        if (remote.Str("hostname") is { } host) return host;
        var reference = remote.Map("feastRef")!;
        var name = reference.Str("name") ?? throw new FeatureStoreResourceException($"{c.Source}: spec.services.registry.remote.feastRef.name is missing.");
        var ns = reference.Str("namespace") ?? c.Namespace;
        if (name == c.Resource.Name && ns == c.Namespace)
            throw new FeatureStoreResourceException($"{c.Source}: FeatureStore '{name}' can't reference itself in spec.services.registry.remote.feastRef.");
        if (c.References.FeatureStore(ns, name) is { } other)
        {
            var otherContext = new RenderContext(other, c.Options, c.References, ns);
            if (!otherContext.IsRegistryServer)
                throw new FeatureStoreResourceException($"{c.Source}: the referenced FeatureStore '{name}' runs no registry server (spec.services.registry.local.server).");
            if (!otherContext.RegistryGrpc)
                throw new FeatureStoreResourceException($"{c.Source}: remote feast registry of referenced FeatureStore '{name}' must have gRPC server enabled.");
            return $"{otherContext.Hostname(FeastService.Registry)}:{(otherContext.Tls(FeastService.Registry) is null ? 80 : 443)}";
        }
        return $"feast-{name}-registry.{ns}.svc.cluster.local:80";
    }

    private static YMap Auth(RenderContext c)
    {
        var authz = c.Spec.Map("authz");
        if (authz is null) return M(("type", "kubernetes"));
        if (authz.Bool("noAuth") == true) return M(("type", "no_auth"));
        if (authz.Has("kubernetes")) return M(("type", "kubernetes"));
        if (authz.Map("oidc") is { } oidc) return M(("type", "oidc"), ("token_env_var", oidc.Str("tokenEnvVar")));
        return M(("type", "kubernetes"));
    }

    private static readonly string[] OidcSecretKeys = ["auth_discovery_url", "client_id", "client_secret", "username", "password", "audience", "issuer"];

    private static YMap ServerOidc(RenderContext c, YMap oidc)
    {
        var parameters = new YMap(StringComparer.Ordinal);
        Dictionary<string, object?> fromSecret = [];
        if (oidc.Map("secretRef").Str("name") is { } secretName)
        {
            var values = c.SecretValues(secretName, oidc.Str("secretKeyName"), "", "spec.authz.oidc.secretRef");
            foreach (var key in OidcSecretKeys)
                if (values.TryGetValue(key, out var v)) fromSecret[key] = key is "audience" or "issuer" && v is not string ? Scalar(v) : v;
            foreach (var (k, v) in fromSecret) parameters[k] = v;
        }
        if (oidc.Str("issuerUrl") is { Length: > 0 } issuer)
            parameters["auth_discovery_url"] = issuer.TrimEnd('/') + "/.well-known/openid-configuration";
        else if (!(fromSecret.TryGetValue("auth_discovery_url", out var url) && url is string { Length: > 0 }))
            throw new FeatureStoreResourceException(
                $"{c.Source}: no OIDC discovery URL configured: set spec.authz.oidc.issuerUrl, or put auth_discovery_url in the Secret spec.authz.oidc.secretRef names.");
        parameters["verify_ssl"] = oidc.Bool("verifySSL");
        parameters["jwks_cache_lifespan_seconds"] = oidc.Int("jwksCacheLifespanSeconds");
        parameters["jwks_request_timeout_seconds"] = oidc.Int("jwksRequestTimeoutSeconds");
        if (oidc.Has("caCertConfigMap")) parameters["ca_cert_path"] = RenderContext.OidcCaPath;
        var auth = M(("type", "oidc"));
        foreach (var (k, v) in parameters.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal)) auth[k] = v;
        return auth;
    }

    private static YMap Offline(RenderContext c, YMap? persistence)
    {
        if (persistence.Map("file") is { } file && file.Str("type") is { } type) return M(("type", type));
        if (persistence.Map("store") is { } store && store.Str("type") is { Length: > 0 } dbType)
            return WithParameters(M(("type", dbType)), StoreParameters(c, store, dbType, OfflineDbTypes, "spec.services.offlineStore.persistence.store", "type"),
                ["host", "type", "port", "scheme", "cert"]);
        return M(("type", "dask"));
    }

    private static YMap Online(RenderContext c)
    {
        var persistence = c.Services.Map("onlineStore").Map("persistence");
        if (!c.OnlineDisabled && persistence.Map("store") is { } store && store.Str("type") is { Length: > 0 } dbType)
            return WithParameters(M(("type", dbType)), StoreParameters(c, store, dbType, OnlineDbTypes, "spec.services.onlineStore.persistence.store", "type"),
                ["path", "type", "cert"]);
        var file = c.OnlineDisabled ? null : persistence.Map("file");
        var path = file.Str("path") is { Length: > 0 } p ? RenderContext.ActualPath(p, file.Map("pvc")) : c.DefaultPath(FeastService.Online, "online_store.db");
        return M(("path", path), ("type", "sqlite"));
    }

    private static YMap Registry(RenderContext c)
    {
        var local = c.Services.Map("registry").Map("local");
        var persistence = local.Map("persistence");
        YMap registry;
        if (persistence.Map("store") is { } store && store.Str("type") is { Length: > 0 } dbType)
        {
            var parameters = StoreParameters(c, store, dbType, RegistryDbTypes, "spec.services.registry.local.persistence.store", "registry_type");
            registry = WithParameters(M(("registry_type", dbType)), parameters,
                ["path", "registry_type", "cert", "s3_additional_kwargs", "cache_ttl_seconds", "cache_mode", "mcp"]);
        }
        else
        {
            var file = persistence.Map("file");
            var path = file.Str("path") is { Length: > 0 } p ? RenderContext.ActualPath(p, file.Map("pvc")) : c.DefaultPath(FeastService.Registry, "registry.db");
            registry = M(("path", path), ("registry_type", "file"), ("s3_additional_kwargs", KubeYaml.Clone(file.Map("s3_additional_kwargs"))),
                ("cache_ttl_seconds", file.Int("cache_ttl_seconds")), ("cache_mode", file.Str("cache_mode")));
        }
        if (local.Map("server").Map("mcp").Bool("enabled") == true) registry["mcp"] = M(("enabled", true));
        return registry;
    }

    /// <summary>The fields of a store section first in the operator's order, then the Secret's other settings by name.</summary>
    private static YMap WithParameters(YMap section, YMap parameters, string[] fields)
    {
        foreach (var (k, v) in parameters) section[k] = v;
        var ordered = M(fields.Where(section.ContainsKey).Select(f => (f, section[f])).ToArray());
        foreach (var (k, v) in section.Where(p => !fields.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal)) ordered[k] = v;
        return ordered;
    }

    private static YMap StoreParameters(RenderContext c, YMap store, string type, string[] valid, string path, string typeKey)
    {
        if (!valid.Contains(type, StringComparer.Ordinal))
        {
            var suggestion = DidYouMean.Suggest(type, valid);
            throw new FeatureStoreResourceException($"{c.Source}: {path}.type '{type}' is not a store type the operator accepts." +
                (suggestion is null ? "" : $" Did you mean '{suggestion}'?") + $" Valid: {string.Join(", ", valid)}.");
        }
        var secretName = store.Map("secretRef").Str("name")
            ?? throw new FeatureStoreResourceException($"{c.Source}: {path}.secretRef.name is missing: name the Secret that holds the store's settings.");
        var values = c.SecretValues(secretName, store.Str("secretKeyName"), type, $"{path}.secretRef");
        foreach (var key in new[] { "type", "registry_type" })
            if (values.TryGetValue(key, out var given) && Scalar(given) != type)
                throw new FeatureStoreResourceException(
                    $"{c.Source}: the settings in Secret {secretName} say {key}: {Scalar(given)}, but {path}.type is {type}; remove {key} from the Secret.");
        values.Remove(typeKey);
        return values;
    }

    private static YMap BatchEngine(RenderContext c, YMap engine, YMap reference)
    {
        var name = reference.Str("name") ?? throw new FeatureStoreResourceException($"{c.Source}: spec.batchEngine.configMapRef.name is missing.");
        var key = engine.Str("configMapKey") ?? "config";
        var data = c.References.ConfigMap(c.Namespace, name)
            ?? throw new FeatureStoreResourceException($"{c.Source}: spec.batchEngine names ConfigMap '{name}', which is not in namespace {c.Namespace} (or, with feast kube render, in the file).");
        if (!data.TryGetValue(key, out var text))
            throw new FeatureStoreResourceException($"{c.Source}: ConfigMap '{name}' has no key '{key}' (spec.batchEngine.configMapKey).");
        if (KubeYaml.Parse(text, $"ConfigMap {name} key {key}") is not YMap config || config.Str("type") is not { } type)
            throw new FeatureStoreResourceException($"{c.Source}: ConfigMap '{name}' key '{key}': the batch engine config must be a mapping with a 'type' field.");
        var result = M(("type", type));
        foreach (var (k, v) in config.Where(p => p.Key != "type").OrderBy(p => p.Key, StringComparer.Ordinal)) result[k] = v;
        return result;
    }

    private static YMap FeatureServer(YMap serving)
    {
        var mcp = serving.Map("mcp");
        var mcpOn = mcp.Bool("enabled") == true;
        YMap? metrics = null;
        if (serving.Map("metrics") is { } m)
        {
            metrics = M(("enabled", m.Bool("enabled") ?? false));
            foreach (var (k, v) in (m.Map("categories") ?? []).OrderBy(p => p.Key, StringComparer.Ordinal)) metrics[k] = v;
        }
        var batching = serving.Map("offlinePushBatching");
        return M(("type", mcpOn ? "mcp" : "local"), ("metrics", metrics),
            ("offline_push_batching_enabled", batching is null ? null : batching.Bool("enabled") ?? false),
            ("offline_push_batching_batch_size", batching.Int("batchSize")),
            ("offline_push_batching_batch_interval_seconds", batching.Int("batchIntervalSeconds")),
            ("mcp_enabled", mcpOn ? true : null), ("mcp_server_name", mcpOn ? mcp.Str("serverName") : null),
            ("mcp_server_version", mcpOn ? mcp.Str("serverVersion") : null), ("mcp_transport", mcpOn ? mcp.Str("transport") : null));
    }

    private static YMap OpenLineage(RenderContext c, YMap lineage)
    {
        var config = M(("enabled", lineage.Bool("enabled") ?? false), ("transport_type", lineage.Str("transportType")),
            ("transport_url", lineage.Str("transportUrl")), ("transport_endpoint", lineage.Str("transportEndpoint")));
        if (lineage.Map("apiKeySecretRef").Str("name") is { } keySecret)
            config["api_key"] = ApiKey(c, keySecret, "spec.openlineage.apiKeySecretRef");
        config = Merge(config, Extra(lineage));
        if (lineage.Map("consumer") is { } consumer)
        {
            var consumerConfig = M(("enabled", consumer.Bool("enabled") ?? false), ("store_type", consumer.Str("storeType")));
            if (consumer.Map("connectionStringSecretRef").Str("name") is { } connection)
                consumerConfig["connection_string"] = ApiKey(c, connection, "spec.openlineage.consumer.connectionStringSecretRef", "connection_string");
            if (consumer.Map("apiKeySecretRef").Str("name") is { } consumerKey)
                consumerConfig["api_key"] = ApiKey(c, consumerKey, "spec.openlineage.consumer.apiKeySecretRef");
            consumerConfig["namespace_mapping"] = KubeYaml.Clone(consumer.Map("namespaceMapping"));
            consumerConfig["retention_days"] = consumer.Int("retentionDays");
            consumerConfig["retention_check_interval_hours"] = consumer.Int("retentionCheckIntervalHours");
            config["consumer"] = M(consumerConfig.Where(p => p.Value is not null).Select(p => (p.Key, p.Value)).ToArray());
        }
        return config;
    }

    private static string ApiKey(RenderContext c, string secretName, string path, string key = "api_key")
    {
        var values = c.References.Secret(c.Namespace, secretName)
            ?? throw new FeatureStoreResourceException($"{c.Source}: {path} names Secret '{secretName}', which is not in namespace {c.Namespace}{RenderContext.FileHint}.");
        return values.TryGetValue(key, out var value) ? value.Trim()
            : throw new FeatureStoreResourceException($"{c.Source}: Secret '{secretName}' ({path}) has no key '{key}'.");
    }

    private static YMap Mlflow(YMap mlflow) => Merge(M(("enabled", true), ("tracking_uri", mlflow.Str("trackingUri")), ("ui_url", mlflow.Str("uiUrl")),
        ("auto_log", mlflow.Bool("autoLog")), ("auto_log_entity_df", mlflow.Bool("autoLogEntityDf")), ("entity_df_max_rows", mlflow.Int("entityDfMaxRows")),
        ("log_operations", mlflow.Bool("logOperations")), ("ops_experiment_suffix", mlflow.Str("opsExperimentSuffix"))), Extra(mlflow));

    /// <summary><c>extraConfig</c>: strings, with "true"/"false" as booleans, as the operator writes them.</summary>
    private static YMap Extra(YMap section)
    {
        var extra = new YMap(StringComparer.Ordinal);
        foreach (var (k, v) in (section.Map("extraConfig") ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
            extra[k] = Scalar(v) switch { "true" => true, "false" => false, var s => s };
        return extra;
    }

    private static YMap Merge(YMap first, YMap then)
    {
        foreach (var (k, v) in then) first.TryAdd(k, v);
        return first;
    }
}
