using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CpstExporter.Tests.Support;

/// <summary>
/// A self-signed server certificate for 127.0.0.1 and localhost, made for one test and written as a PFX (for
/// Kestrel) and a PEM (for clients that trust it as their CA) into a temporary directory.
/// </summary>
internal sealed class TestCertificate : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-cert-").FullName;

    public TestCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=cpst-exporter-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server authentication
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        PfxPath = Path.Combine(_dir, "server.pfx");
        File.WriteAllBytes(PfxPath, Certificate.Export(X509ContentType.Pfx, Password));
        PemPath = Path.Combine(_dir, "ca.pem");
        File.WriteAllText(PemPath, Certificate.ExportCertificatePem());
    }

    public const string Password = "test-only-password";

    public X509Certificate2 Certificate { get; }

    public string PfxPath { get; }

    /// <summary>The certificate alone, PEM: what a client is given to trust (<c>OTEL_EXPORTER_OTLP_CERTIFICATE</c>).</summary>
    public string PemPath { get; }

    /// <summary>The standard Kestrel keys that make every https:// listener use this certificate.</summary>
    public Dictionary<string, string?> KestrelSettings() => new()
    {
        ["Kestrel:Certificates:Default:Path"] = PfxPath,
        ["Kestrel:Certificates:Default:Password"] = Password,
    };

    /// <summary>The exporter on loopback, serving this certificate on the listeners named (<c>OtlpGrpc</c>, <c>OtlpHttp</c>, <c>Metrics</c>) over https://.</summary>
    public Task<ExporterUnderTest> StartExporterAsync(params string[] tlsListeners)
    {
        Dictionary<string, string?> settings = KestrelSettings();
        foreach (string listener in tlsListeners) settings[$"Cpst:Listen:{listener}"] = "https://127.0.0.1:0";
        return ExporterUnderTest.StartAsync(settings);
    }

    /// <summary>An HttpClient that trusts this certificate and nothing else.</summary>
    public HttpClient TrustingClient()
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == Certificate.GetCertHashString();
        return new HttpClient(handler);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
