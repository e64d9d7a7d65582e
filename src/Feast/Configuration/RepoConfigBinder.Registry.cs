// RepoConfigBinder: the registry section (file, sql, remote, snowflake.registry).
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

internal static partial class RepoConfigBinder
{
    // ---- registry ------------------------------------------------------------------------------------------

    private static readonly TypedSection<RegistryConfig> Registries = CreateRegistries();

    private static TypedSection<RegistryConfig> CreateRegistries()
    {
        var section = new TypedSection<RegistryConfig>(
            "registry", "registry_type", "file", classSuffix: null, r => ConfigNames.RegistryTypes.NameOf(r.RegistryType));
        section.Add("file", RegistrySchema(RegistryType.File));
        section.Add("sql", RegistrySchema(RegistryType.Sql));
        section.Add("remote", RegistrySchema(RegistryType.Remote));
        section.Add("snowflake.registry", RegistrySchema(RegistryType.Snowflake));
        return section;
    }

    private static OptionsSchema<RegistryConfig> RegistrySchema(RegistryType type)
    {
        var schema = new OptionsSchema<RegistryConfig>(() => new RegistryConfig { RegistryType = type })
        {
            { "registry_type", Keep, r => ConfigNames.RegistryTypes.NameOf(r.RegistryType) },
            { "registry_store_type", (r, v) => r with { RegistryStoreType = v.OptionalString() }, r => r.RegistryStoreType },
            // A SQL URL or a server address has no sensible default; a file registry defaults to data/registry.db.
            { "path", (r, v) => r with { Path = v.String() }, r => r.Path, type is RegistryType.Sql or RegistryType.Remote },
            { "cache_ttl_seconds", (r, v) => r with { CacheTtlSeconds = v.Int32(min: 0) }, r => r.CacheTtlSeconds },
            { "cache_mode", (r, v) => r with { CacheMode = v.Enum(ConfigNames.CacheModes) }, r => ConfigNames.CacheModes.NameOf(r.CacheMode) },
            { "s3_additional_kwargs", (r, v) => r with { S3AdditionalKwargs = v.OptionalStringMapping() }, r => ToObjects(r.S3AdditionalKwargs) },
            { "purge_feast_metadata", (r, v) => r with { PurgeFeastMetadata = v.Boolean() }, r => r.PurgeFeastMetadata },
            { "enable_online_feature_view_versioning", (r, v) => r with { EnableOnlineFeatureViewVersioning = v.Boolean() }, r => r.EnableOnlineFeatureViewVersioning },
            { "mcp", (r, v) => r with { Mcp = v.OptionalPlainMapping() }, r => r.Mcp },
        };

        switch (type)
        {
            case RegistryType.Sql:
                schema.Add("read_path", (r, v) => r with { ReadPath = v.OptionalString() }, r => r.ReadPath);
                schema.Add(
                    "sqlalchemy_config_kwargs",
                    (r, v) => r with { SqlAlchemyConfigKwargs = v.OptionalPlainMapping() ?? RegistryConfig.EmptyOptions },
                    r => r.SqlAlchemyConfigKwargs);
                schema.Add(
                    "thread_pool_executor_worker_count",
                    (r, v) => r with { ThreadPoolExecutorWorkerCount = v.Int32(min: 0) },
                    r => r.ThreadPoolExecutorWorkerCount);
                schema.Add(
                    "schema_mode",
                    (r, v) => r with { SchemaMode = v.Enum(ConfigNames.SchemaModes) },
                    r => ConfigNames.SchemaModes.NameOf(r.SchemaMode));
                break;
            case RegistryType.Remote:
                // Feast.NET does not implement these registries; it checks what it models and keeps the rest.
                schema.Add("cert", (r, v) => r with { Cert = v.OptionalString() }, r => r.Cert);
                schema.Add("is_tls", (r, v) => r with { IsTls = v.Boolean() }, r => r.IsTls);
                schema.AllowAdditional((r, extra) => r with { AdditionalOptions = extra }, r => r.AdditionalOptions);
                break;
            case RegistryType.Snowflake:
                schema.AllowAdditional((r, extra) => r with { AdditionalOptions = extra }, r => r.AdditionalOptions);
                break;
        }

        return schema;
    }

    private static RegistryConfig BindRegistry(YamlValue value)
    {
        if (value.IsNull)
        {
            throw ConfigErrors.Invalid(
                value, "is empty. Set it to a file path such as 'data/registry.db', or to a mapping with 'registry_type' and 'path'.");
        }

        // Feast: a plain string is the path of a file registry.
        return value.Node switch
        {
            YamlScalarNode => new RegistryConfig { Path = value.String() },
            YamlMappingNode => Registries.Bind(value),
            _ => throw ConfigErrors.WrongType(value, "a file path or a mapping with 'registry_type' and 'path'"),
        };
    }
}
