using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Feast.Redis.Tests;

/// <summary>
/// A redis-server process of the test's own on a free port, without persistence, in a temporary working directory.
/// <see cref="Dispose"/> kills it and deletes the directory.
/// </summary>
internal sealed class OwnRedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private OwnRedisServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>The port clients connect to (the TLS port for <see cref="StartTls"/>).</summary>
    public int Port { get; }

    /// <summary>A plain server; <paramref name="arguments"/> are more redis-server options (<c>--requirepass</c>, …).</summary>
    public static OwnRedisServer Start(params string[] arguments) =>
        Launch((port, _) => ["--port", Text(port), .. arguments]);

    /// <summary>
    /// A Redis Sentinel watching the master <paramref name="master"/> at 127.0.0.1:<paramref name="masterPort"/> (quorum 1,
    /// down after one second), authenticating to it with <paramref name="masterPassword"/>.
    /// </summary>
    public static OwnRedisServer StartSentinel(string master, int masterPort, string? masterPassword) =>
        Launch((port, directory) =>
        {
            var configuration = Path.Combine(directory, "sentinel.conf");
            File.WriteAllText(configuration, string.Join('\n',
                $"sentinel monitor {master} 127.0.0.1 {Text(masterPort)} 1",
                $"sentinel down-after-milliseconds {master} 1000",
                $"sentinel failover-timeout {master} 5000",
                masterPassword is null ? "" : $"sentinel auth-pass {master} {masterPassword}") + "\n");
            return [configuration, "--sentinel", "--port", Text(port)];
        });

    /// <summary>A TLS-only server (no plain port) presenting <paramref name="tls"/>'s certificate; clients need no certificate.</summary>
    public static OwnRedisServer StartTls(TlsFiles tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        return Launch((port, _) => ["--port", "0", "--tls-port", Text(port), "--tls-cert-file", tls.CertificateFile, "--tls-key-file", tls.KeyFile,
            "--tls-ca-cert-file", tls.CertificateFile, "--tls-auth-clients", "no"]);
    }

    /// <summary>The connection string of a raw StackExchange.Redis connection to the (plain) server.</summary>
    public string Raw(string? password = null) =>
        $"127.0.0.1:{Text(Port)},allowAdmin=true,abortConnect=true" + (password is null ? "" : ",password=" + password);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
            _process.Dispose();
        }
        finally
        {
            DeleteDirectory(_directory);
        }
    }

    internal static void DeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is not worth failing a test over.
        }
    }

    private static string Text(int number) => number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts redis-server on a free port; a port taken between choosing and binding it is retried with another one.</summary>
    private static OwnRedisServer Launch(Func<int, string, string[]> arguments)
    {
        var output = new StringBuilder();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = ConfigurationTests.FreePort();
            var directory = Directory.CreateTempSubdirectory("feast-redis-").FullName;
            var info = new ProcessStartInfo("redis-server")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            foreach (var argument in arguments(port, directory)) info.ArgumentList.Add(argument);
            foreach (var argument in new[] { "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", directory })
                info.ArgumentList.Add(argument);
            var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
            output.Clear();
            process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var waited = Stopwatch.StartNew();
            while (!process.HasExited && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return new OwnRedisServer(process, directory, port);
                }
                catch (SocketException)
                {
                    Thread.Sleep(20);
                }
            }
            if (!process.HasExited) process.Kill();
            process.WaitForExit();
            process.Dispose();
            DeleteDirectory(directory);
            lock (output)
            {
                if (!output.ToString().Contains("Address already in use", StringComparison.Ordinal)) break;
            }
        }
        lock (output) throw new InvalidOperationException("redis-server did not come up:\n" + output);
    }
}

/// <summary>A self-signed certificate for 127.0.0.1 and localhost, as PEM files in a temporary directory deleted by <see cref="Dispose"/>.</summary>
internal sealed class TlsFiles : IDisposable
{
    private TlsFiles(string directory)
    {
        Directory = directory;
        CertificateFile = Path.Combine(directory, "c.pem");
        KeyFile = Path.Combine(directory, "k.pem");
    }

    public string Directory { get; }

    public string CertificateFile { get; }

    /// <summary>The private key, PKCS#8 PEM.</summary>
    public string KeyFile { get; }

    public static TlsFiles Create()
    {
        var files = new TlsFiles(System.IO.Directory.CreateTempSubdirectory("feast-redis-tls-").FullName);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(files.CertificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(files.KeyFile, rsa.ExportPkcs8PrivateKeyPem());
        return files;
    }

    public void Dispose() => OwnRedisServer.DeleteDirectory(Directory);
}
