using System.Globalization;
using System.Net;
using Feast.Configuration;
using StackExchange.Redis;
using RedisType = Feast.Redis.RedisType;

namespace Feast.Redis;

/// <summary>
/// Feast's <c>connection_string</c> (<c>host:port[,host2:port2][,key=value…]</c>, the keys being redis-py client
/// arguments) turned into StackExchange.Redis options.
/// </summary>
internal static class RedisConnectionSettings
{
    /// <summary>The redis-py arguments understood here, for the error message.</summary>
    private const string Supported = "ssl, password, username, db, ssl_cert_reqs, socket_timeout, socket_connect_timeout, client_name";

    public static ConfigurationOptions Parse(RedisOnlineStoreOptions options) => Parse(options, out _);

    /// <summary>
    /// The multiplexer's options, and what the direct write connections need (<see cref="Direct"/>):
    /// <paramref name="trustAnyCertificate"/> is set by <c>ssl_cert_reqs=none</c>.
    /// </summary>
    public static ConfigurationOptions Parse(RedisOnlineStoreOptions options, out bool trustAnyCertificate)
    {
        ArgumentNullException.ThrowIfNull(options);
        trustAnyCertificate = false;
        var configuration = new ConfigurationOptions
        {
            // A node that is down fails the command at once with a connection error instead of queueing it until a
            // timeout: a materialization stops with a clear message and is simply run again.
            BacklogPolicy = BacklogPolicy.FailFast,
            AbortOnConnectFail = true,
            ConnectRetry = 2,
            ConnectTimeout = 5000,
        };
        var parts = (options.ConnectionString ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                configuration.EndPoints.Add(ParseEndPoint(part));
                continue;
            }
            var name = part[..equals].Trim();
            var value = Unquote(part[(equals + 1)..].Trim());
            switch (name.ToLowerInvariant())
            {
                case "ssl":
                    configuration.Ssl = Bool(name, value);
                    break;
                case "password":
                    configuration.Password = value;
                    break;
                case "username":
                    configuration.User = value;
                    break;
                case "db":
                    configuration.DefaultDatabase = Int(name, value);
                    break;
                case "ssl_cert_reqs":
                    // The user turned certificate checks off explicitly (redis-py's ssl_cert_reqs=none); honour it.
#pragma warning disable CA5359
                    if (value.Equals("none", StringComparison.OrdinalIgnoreCase))
                    {
                        configuration.CertificateValidation += (_, _, _, _) => true;
                        trustAnyCertificate = true;
                    }
#pragma warning restore CA5359
                    break;
                case "socket_timeout":
                    configuration.SyncTimeout = configuration.AsyncTimeout = Milliseconds(name, value);
                    break;
                case "socket_connect_timeout":
                    configuration.ConnectTimeout = Milliseconds(name, value);
                    break;
                case "client_name":
                    configuration.ClientName = value;
                    break;
                default:
                    throw new FeastConfigException(
                        $"feature_store.yaml: online_store.connection_string has '{name}', which Feast.NET's Redis store does not understand. Supported keys: {Supported}.");
            }
        }
        if (configuration.EndPoints.Count == 0)
            throw new FeastConfigException("feature_store.yaml: online_store.connection_string names no Redis server. Write it as host:port[,host:port][,password=...].");
        // Sentinel: the endpoints are the sentinels; they name the master of sentinel_master (and the next one after
        // a failover), which the multiplexer then connects to.
        if (options.RedisType == RedisType.RedisSentinel)
        {
            if (string.IsNullOrWhiteSpace(options.SentinelMaster))
                throw new FeastConfigException("feature_store.yaml: online_store.redis_type is redis_sentinel, but sentinel_master is empty. Set it to the master's name in the sentinels' configuration (Feast's default: mymaster).");
            configuration.ServiceName = options.SentinelMaster;
        }
        if (options.RedisType == RedisType.RedisCluster && configuration.DefaultDatabase is > 0)
            throw new FeastConfigException("feature_store.yaml: online_store.connection_string sets db, but a Redis Cluster has only database 0.");
        return configuration;
    }

    /// <summary>The settings of the direct connections that writes use, from the same options as the multiplexer's.</summary>
    public static Resp.RespSettings Direct(ConfigurationOptions configuration, bool trustAnyCertificate) => new(
        configuration.Ssl,
        configuration.SslHost,
        trustAnyCertificate,
        configuration.User,
        configuration.Password,
        configuration.DefaultDatabase ?? 0,
        TimeSpan.FromMilliseconds(configuration.ConnectTimeout),
        TimeSpan.FromMilliseconds(configuration.AsyncTimeout),
        configuration.ClientName);

    /// <summary>The servers of <paramref name="options"/>, for messages (never the password).</summary>
    public static string Describe(ConfigurationOptions options) =>
        string.Join(",", options.EndPoints.Select(Format));

    public static string Format(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint ip => ip.ToString(),
        _ => endPoint.ToString() ?? "?",
    };

    private static EndPoint ParseEndPoint(string text)
    {
        // Feast's default port is 6379 when only a host is given.
        var colon = text.LastIndexOf(':');
        if (colon > 0 && !text.EndsWith(']') && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            var host = text[..colon].Trim('[', ']');
            return IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
        }
        if (colon > 0 && !text.Contains(']', StringComparison.Ordinal) && text.IndexOf(':') == colon)
            throw new FeastConfigException($"feature_store.yaml: online_store.connection_string has '{text}', whose port is not a number. Write host:port.");
        var bare = text.Trim('[', ']');
        return IPAddress.TryParse(bare, out var address) ? new IPEndPoint(address, 6379) : new DnsEndPoint(bare, 6379);
    }

    // Feast JSON-decodes each value when it can ("true", "0", "\"x\""); the plain text is used otherwise.
    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    private static bool Bool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new FeastConfigException($"feature_store.yaml: online_store.connection_string: {name}={value} is not true or false."),
    };

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 0
            ? number
            : throw new FeastConfigException($"feature_store.yaml: online_store.connection_string: {name}={value} is not a non-negative whole number.");

    private static int Milliseconds(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? (int)Math.Ceiling(seconds * 1000)
            : throw new FeastConfigException($"feature_store.yaml: online_store.connection_string: {name}={value} is not a positive number of seconds.");
}
