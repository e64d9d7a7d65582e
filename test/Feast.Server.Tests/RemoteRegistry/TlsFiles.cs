using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Feast.Server.Tests.RemoteRegistry;

internal static class TlsFiles
{
    /// <summary>A self-signed certificate for localhost and 127.0.0.1 and its key, as PEM files in <paramref name="dir"/>.</summary>
    public static (string Cert, string Key) WriteSelfSigned(string dir)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var certificate = request.CreateSelfSigned(now, now.AddYears(50));
        var certPath = Path.Combine(dir, "registry-cert.pem");
        var keyPath = Path.Combine(dir, "registry-key.pem");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
