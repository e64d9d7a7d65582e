using Feast.Configuration;
using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

public class AuthAndFeatureServerConfigTests
{
    [Theory]
    [InlineData("auth:\n  type: no_auth\n")]
    [InlineData("auth: no_auth\n")]
    [InlineData("auth:\n")]
    [InlineData("")]
    public void Parse_NoAuthOrAbsent_IsNoAuth(string yaml)
    {
        Assert.IsType<NoAuthConfig>(ParseWith(yaml).Auth);
    }

    [Fact]
    public void Parse_Kubernetes_KeepsUserTokenAndExtraKeys()
    {
        var auth = ParseWith("auth:\n  type: kubernetes\n  user_token: abc\n  namespace: feast\n").Auth;

        var kubernetes = Assert.IsType<KubernetesAuthConfig>(auth);
        Assert.Equal("kubernetes", kubernetes.Type);
        Assert.Equal("abc", kubernetes.UserToken);
        Assert.Equal("feast", kubernetes.AdditionalOptions["namespace"]);
    }

    [Fact]
    public void Parse_OidcWithDiscoveryUrlOnly_IsServerSide()
    {
        var auth = ParseWith("""
            auth:
              type: oidc
              auth_discovery_url: https://idp.example.com/realms/feast/.well-known/openid-configuration
              client_id: feast-server
              ui_client_id: feast-ui
              verify_ssl: false
              ca_cert_path: /certs/idp.pem
              audience: feast
              issuer: https://idp.example.com/realms/feast
              jwks_cache_lifespan_seconds: 60
              jwks_request_timeout_seconds: 2.5
            """).Auth;

        var oidc = Assert.IsType<OidcAuthConfig>(auth);
        Assert.Equal("oidc", oidc.Type);
        Assert.Equal("https://idp.example.com/realms/feast/.well-known/openid-configuration", oidc.AuthDiscoveryUrl);
        Assert.Equal("feast-server", oidc.ClientId);
        Assert.Equal("feast-ui", oidc.UiClientId);
        Assert.False(oidc.VerifySsl);
        Assert.Equal("/certs/idp.pem", oidc.CaCertPath);
        Assert.Equal("feast", oidc.Audience);
        Assert.Equal("https://idp.example.com/realms/feast", oidc.Issuer);
        Assert.Equal(60, oidc.JwksCacheLifespanSeconds);
        Assert.Equal(2.5, oidc.JwksRequestTimeoutSeconds);
    }

    [Fact]
    public void Parse_OidcServerDefaults_MatchFeast()
    {
        var oidc = Assert.IsType<OidcAuthConfig>(ParseWith("auth:\n  type: oidc\n  auth_discovery_url: https://idp/x\n").Auth);

        Assert.True(oidc.VerifySsl);
        Assert.Equal("", oidc.CaCertPath);
        Assert.Null(oidc.Audience);
        Assert.Null(oidc.Issuer);
        Assert.Equal(300, oidc.JwksCacheLifespanSeconds);
        Assert.Equal(10, oidc.JwksRequestTimeoutSeconds);
    }

    [Fact]
    public void Parse_OidcWithClientCredentials_IsClientSide()
    {
        var auth = ParseWith("""
            auth:
              type: oidc
              auth_discovery_url: https://idp/x
              client_id: feast-client
              client_secret: s3cret
              username: alice
              password: wonderland
            """).Auth;

        var client = Assert.IsType<OidcClientAuthConfig>(auth);
        Assert.Equal("oidc", client.Type);
        Assert.Equal("feast-client", client.ClientId);
        Assert.Equal("s3cret", client.ClientSecret);
        Assert.Equal("alice", client.Username);
        Assert.Equal("wonderland", client.Password);
        Assert.Equal(30, client.TokenRefreshMarginSeconds);
    }

    [Theory]
    [InlineData("  token: eyJhbGciOi\n")]
    [InlineData("  token_env_var: FEAST_TOKEN\n")]
    [InlineData("  client_secret: s\n  auth_discovery_url: https://idp/x\n  client_id: c\n")]
    [InlineData("")]
    public void Parse_OidcClientWithOneCredentialGroup_IsAccepted(string credentials)
    {
        Assert.IsType<OidcClientAuthConfig>(ParseWith("auth:\n  type: oidc\n" + credentials).Auth);
    }

    [Fact]
    public void Parse_NoFeatureServer_IsLocalWithDefaults()
    {
        var server = Assert.IsType<LocalFeatureServerConfig>(Parse(Minimal).FeatureServer);

        Assert.Equal("local", server.Type);
        Assert.False(server.Enabled);
        Assert.Equal(new FeatureServerMetricsConfig(), server.Metrics);
        Assert.True(server.Metrics.Request);
        Assert.False(server.Metrics.AuditLogging);
        Assert.Equal(new FeatureLoggingConfig(), server.FeatureLogging);
        Assert.Equal(100000, server.FeatureLogging.QueueCapacity);
        Assert.Null(server.OfflinePushBatchingEnabled);
        Assert.Equal("local", server.MaterializeMode);
    }

    [Fact]
    public void Parse_LocalFeatureServer_BindsNestedSections()
    {
        var server = ParseWith("""
            feature_server:
              enabled: true
              metrics:
                enabled: true
                freshness: false
              feature_logging:
                enabled: true
                flush_interval_secs: 60
              offline_push_batching_enabled: true
              offline_push_batching_batch_size: 1000
              offline_push_batching_batch_interval_seconds: 10
              transformation_service_endpoint: transformer:6569
            """).FeatureServer;

        var local = Assert.IsType<LocalFeatureServerConfig>(server);
        Assert.True(local.Enabled);
        Assert.True(local.Metrics.Enabled);
        Assert.False(local.Metrics.Freshness);
        Assert.True(local.Metrics.Push);
        Assert.True(local.FeatureLogging.Enabled);
        Assert.Equal(60, local.FeatureLogging.FlushIntervalSecs);
        Assert.Equal(30, local.FeatureLogging.WriteToDiskIntervalSecs);
        Assert.True(local.OfflinePushBatchingEnabled);
        Assert.Equal(1000, local.OfflinePushBatchingBatchSize);
        Assert.Equal(10, local.OfflinePushBatchingBatchIntervalSeconds);
        Assert.Equal("transformer:6569", local.TransformationServiceEndpoint);
    }

    [Fact]
    public void Parse_McpFeatureServer_BindsMcpKeys()
    {
        var server = ParseWith("""
            feature_server:
              type: mcp
              enabled: true
              mcp_enabled: true
              mcp_server_name: my-mcp
              mcp_server_version: 2.0.0
              mcp_transport: http
            """).FeatureServer;

        var mcp = Assert.IsType<McpFeatureServerConfig>(server);
        Assert.Equal("mcp", mcp.Type);
        Assert.True(mcp.Enabled);
        Assert.True(mcp.McpEnabled);
        Assert.Equal("my-mcp", mcp.McpServerName);
        Assert.Equal("2.0.0", mcp.McpServerVersion);
        Assert.Equal("http", mcp.McpTransport);
        Assert.Equal("/mcp", mcp.McpBasePath);
        Assert.Equal("localhost:6566", mcp.TransformationServiceEndpoint);
    }

    [Fact]
    public void ToString_PostgresOptions_HidesPassword()
    {
        var config = ParseWith("online_store:\n  type: postgres\n  host: h\n  database: d\n  user: u\n  password: hunter2\n");

        var text = config.ToString();

        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Contains("Host = h", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_RedisConnectionString_HidesPassword()
    {
        var config = ParseWith("online_store:\n  type: redis\n  connection_string: \"r:6379,password=hunter2,ssl=true\"\n");

        var text = config.OnlineStore!.ToString();

        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Contains("r:6379,password=***,ssl=true", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_OidcClient_HidesSecretsAndToken()
    {
        var auth = ParseWith("auth:\n  type: oidc\n  token: tok-123\n").Auth;
        var withSecret = ParseWith("auth:\n  type: oidc\n  auth_discovery_url: u\n  client_id: c\n  client_secret: sec-456\n  username: a\n  password: pw-789\n").Auth;

        Assert.DoesNotContain("tok-123", auth.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sec-456", withSecret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pw-789", withSecret.ToString(), StringComparison.Ordinal);
    }
}
