using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Feast.Configuration;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Feast.Remote;

/// <summary>
/// One gRPC channel to a Feast registry server (<c>registry.path</c> of a <c>registry_type: remote</c>): plain HTTP/2, or
/// TLS when <c>is_tls</c> is set or <c>cert</c> names the server's certificate (then that certificate is the only trust
/// root, as Python Feast's <c>ssl_channel_credentials(root_certificates=cert)</c>). Every call carries the <c>auth:</c>
/// section's bearer token and turns the server's errors into Feast's exceptions (<see cref="RemoteErrors"/>).
/// </summary>
internal sealed class RegistryServerClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly IClientTokenSource _tokens;

    public RegistryServerClient(RegistryConfig config, IClientTokenSource tokens, string repoPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        _tokens = tokens;
        Address = Uri(config);
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (config.Cert is { Length: > 0 } cert)
        {
            TrustOnly(handler, repoPath, cert, "registry.cert", "feast serve_registry");
        }
        _channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        _invoker = _channel.CreateCallInvoker();
    }

    /// <summary>The server's URL, for messages.</summary>
    public Uri Address { get; }

    /// <summary>Calls <paramref name="method"/>; a failure is a <see cref="FeastException"/> saying what the server said or why it cannot be reached.</summary>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class =>
        (await CallAsync(method, request, extraHeaders: null, cancellationToken).ConfigureAwait(false)).Response;

    /// <summary>
    /// Calls <paramref name="method"/> with <paramref name="extraHeaders"/> besides the token, and returns the answer with
    /// the server's trailers; a failure is a <see cref="FeastException"/>, as <see cref="CallAsync{TRequest, TResponse}(Method{TRequest, TResponse}, TRequest, CancellationToken)"/>.
    /// </summary>
    public async Task<(TResponse Response, Metadata Trailers)> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request,
        Metadata? extraHeaders, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class
    {
        var token = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        var headers = extraHeaders;
        if (token is not null) (headers ??= []).Add("authorization", "Bearer " + token);
        try
        {
            using var call = _invoker.AsyncUnaryCall(method, null, new CallOptions(headers, cancellationToken: cancellationToken), request);
            var response = await call.ResponseAsync.ConfigureAwait(false);
            return (response, call.GetTrailers());
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw RemoteErrors.From(e, method.Name, Address);
        }
    }

    /// <summary>
    /// The channel address of <c>registry.path</c>: <c>host:port</c> as Python Feast writes it (http, or https under TLS), or
    /// a URL with its scheme (<c>http://</c>, <c>https://</c>, or <c>grpc://</c>/<c>grpcs://</c>).
    /// </summary>
    internal static Uri Uri(RegistryConfig config)
    {
        var path = config.Path.Trim();
        var tls = config.IsTls || config.Cert is { Length: > 0 };
        foreach (var (prefix, secure) in new[] { ("http://", false), ("https://", true), ("grpc://", false), ("grpcs://", true) })
        {
            if (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                tls |= secure;
                path = path[prefix.Length..];
                break;
            }
        }
        path = path.TrimEnd('/');
        if (path.Length == 0 || !System.Uri.TryCreate((tls ? "https://" : "http://") + path, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/")
        {
            throw new FeastConfigException(
                $"feature_store.yaml: registry.path '{config.Path}' is not the address of a registry server. With registry_type: remote, give host:port (e.g. localhost:6570), where feast serve_registry listens.");
        }
        return uri;
    }

    /// <summary>
    /// Makes <paramref name="handler"/> trust only the certificate in <paramref name="cert"/> (relative to the repo), the
    /// file the yaml <paramref name="setting"/> names, of a server started by <paramref name="server"/> with <c>--cert</c>.
    /// </summary>
    internal static void TrustOnly(SocketsHttpHandler handler, string repoPath, string cert, string setting, string server)
    {
        var trusted = LoadCertificates(Path.IsPathRooted(cert) ? cert : Path.Combine(repoPath, cert), setting, server);
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors, trusted),
        };
    }

    /// <summary>The certificates of a PEM or DER file named by the yaml <paramref name="setting"/>, of a server started by <paramref name="server"/>.</summary>
    private static X509Certificate2Collection LoadCertificates(string path, string setting, string server)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            var text = File.ReadAllText(path);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal)) certificates.ImportFromPem(text);
            else certificates.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new FeastConfigException($"feature_store.yaml: {setting} '{path}' cannot be read as a certificate ({e.Message}). Give the PEM file of the server's certificate (the --cert of {server}).");
        }
        if (certificates.Count == 0)
            throw new FeastConfigException($"feature_store.yaml: {setting} '{path}' holds no certificate. Give the PEM file of the server's certificate (the --cert of {server}).");
        return certificates;
    }

    // The server's certificate must chain to the configured one (often itself, self-signed) and name the host.
    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }

    public void Dispose() => _channel.Dispose();
}
