using System.Text;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// Reads a provider's admin key from its file at each poll, so a rotated key (a Kubernetes Secret updated in place) is
/// used from the next poll on. A file that others may read is refused, as ssh refuses such a private key: the key
/// reads the organization's whole bill and usage. Group read is allowed, because Kubernetes adds it to a Secret's
/// files when the pod sets <c>fsGroup</c> (docs/billing.md).
/// </summary>
internal static class AdminKeyFile
{
    /// <summary>Larger than any provider's key: a file past it is not a key file.</summary>
    public const int MaxBytes = 4096;

    /// <summary>The key in <paramref name="path"/>, without surrounding white space.</summary>
    /// <exception cref="CostApiException">The file is missing, readable by others, empty, too large or holds more than one printable ASCII word.</exception>
    public static string Read(string path)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path)) throw new CostApiException($"admin key file {path} does not exist; mount the key there or correct the path");
            if (!OperatingSystem.IsWindows())
            {
                UnixFileMode mode = File.GetUnixFileMode(path); // of the file a symbolic link leads to, as a Secret's files are
                if ((mode & UnixFileMode.OtherRead) != 0)
                    throw new CostApiException($"admin key file {path} is readable by every user (mode {Octal(mode)}); " +
                        "make it readable by the exporter only (chmod 600, or defaultMode 0400 on a Kubernetes Secret volume)");
            }
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length > MaxBytes) throw new CostApiException($"admin key file {path} holds {file.Length} bytes, more than a key ({MaxBytes} at most)");
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CostApiException($"admin key file {path} cannot be read: {e.GetType().Name}");
        }
        string key = Encoding.ASCII.GetString(bytes).Trim();
        if (key.Length == 0) throw new CostApiException($"admin key file {path} is empty");
        // Anything else cannot travel in a header; and naming the offending character would put part of the key in the log.
        foreach (byte b in bytes.AsSpan().Trim(" \t\r\n"u8))
            if (b is < 0x21 or > 0x7E)
                throw new CostApiException($"admin key file {path} holds characters other than printable ASCII without spaces; it should hold the key alone");
        return key;
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
}
