using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpstExporter.Hosting;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Configuration;

/// <summary>
/// What <see cref="CpstSettings"/> cannot tell from the values alone and would otherwise fail later, half started:
/// the price table loads, the TLS certificate loads and has its key, the state file's directory is writable. Runs
/// before the host starts, and is all that <c>--check-config</c> does. Errors throw
/// <see cref="CpstConfigurationException"/> (exit code 2); unknown keys, and a connection limit that the process's
/// open-file limit cannot hold, are returned as warnings.
/// </summary>
internal static class ConfigurationCheck
{
    /// <param name="openFileLimit">The process's open-file limit (<see cref="OpenFileLimit.Read"/>); null when unknown.</param>
    public static List<string> Run(IConfiguration configuration, CpstSettings settings, long? openFileLimit)
    {
        CheckPriceTable(settings.Pricing);
        CheckCertificate(configuration, settings.Listen);
        List<string> warnings = ConfigurationKeys.Unknown(configuration.GetSection("Cpst"));
        if (CheckStateFile(settings.Tasks.StateFile) is { } stateFile) warnings.Add(stateFile);
        if (ConnectionLimit.Warning(settings.MaxConnections, openFileLimit) is { } connections) warnings.Add(connections);
        return warnings;
    }

    private static void CheckPriceTable(PricingOptions pricing)
    {
        foreach (string path in pricing.ResolvePaths())
        {
            try
            {
                PriceFileReader.Read(path);
            }
            catch (PriceTableException e)
            {
                throw new CpstConfigurationException($"{pricing.Key}: {e.Message}; fix the file or point {pricing.Key} at a valid price table");
            }
        }
    }

    private static void CheckCertificate(IConfiguration configuration, ListenerOptions listen)
    {
        ListenerEndpoint? tls = Enum.GetValues<Listener>().Select(listen.Endpoint).FirstOrDefault(e => e.Tls);
        if (tls is null) return;
        IConfigurationSection certificate = configuration.GetSection("Kestrel:Certificates:Default");
        string? path = certificate["Path"], keyPath = certificate["KeyPath"], password = certificate["Password"];
        if (!string.IsNullOrEmpty(certificate["Subject"])) return; // from the certificate store; Kestrel reports a missing one itself
        if (string.IsNullOrEmpty(path))
            throw new CpstConfigurationException($"{tls.Key} is https:// but no certificate is configured; set Kestrel:Certificates:Default:Path " +
                "(a PFX, with :Password) or :Path and :KeyPath (PEM), or use http://");
        try
        {
            using X509Certificate2 loaded = string.IsNullOrEmpty(keyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                : string.IsNullOrEmpty(password) ? X509Certificate2.CreateFromPemFile(path, keyPath) : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
            if (!loaded.HasPrivateKey)
                throw new CpstConfigurationException($"Kestrel:Certificates:Default:Path: '{path}' has no private key; use a PFX with its key or set :KeyPath");
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new CpstConfigurationException($"Kestrel:Certificates:Default:Path: cannot load '{path}'{(string.IsNullOrEmpty(keyPath) ? "" : $" with key '{keyPath}'")}: " +
                $"{e.Message.TrimEnd('.')}; check the file, :KeyPath and :Password");
        }
    }

    /// <summary>
    /// A missing directory is a configuration error; one that cannot be written now (read-only, full, no permission) is a
    /// fault that may end: a warning, and <c>/readyz</c> answers 503 until a checkpoint succeeds.
    /// </summary>
    private static string? CheckStateFile(string? stateFile)
    {
        if (string.IsNullOrWhiteSpace(stateFile)) return null;
        string directory = Path.GetDirectoryName(Path.GetFullPath(stateFile)) ?? ".";
        if (!Directory.Exists(directory))
            throw new CpstConfigurationException($"Cpst:Tasks:StateFile: directory '{directory}' does not exist; create it (a volume that outlives the container) or choose another path");
        try
        {
            using var probe = new FileStream(Path.Combine(directory, $".cpst-write-check-{Environment.ProcessId}"), FileMode.Create, FileAccess.Write,
                FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"Cpst:Tasks:StateFile: cannot write in '{directory}' now: {e.Message.TrimEnd('.')}; the exporter serves, and /readyz answers 503 " +
                "until a checkpoint can write the state file (make the directory writable for this user, free space, or choose another path)";
        }
        return null;
    }
}
