using System.Security.Cryptography;
using System.Text;

namespace CpstExporter.Pricing;

/// <summary>Reads one price file: LiteLLM's JSON for <c>*.json</c>, our YAML otherwise (docs/pricing.md).</summary>
internal static class PriceFileReader
{
    /// <exception cref="PriceTableException">The file is missing, unreadable, or not a valid price file; the message names the file, the entry and the key.</exception>
    public static PriceFile Read(string path) => Parse(ReadText(path, out _), path);

    /// <summary>A price file's text, not yet parsed.</summary>
    /// <param name="length">The bytes read, to compare with the size the file had before it was read.</param>
    /// <exception cref="PriceTableException">The file is missing or unreadable.</exception>
    public static string ReadText(string path, out long length)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            length = bytes.Length;
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PriceTableException($"cannot read price table '{path}': {e.Message}");
        }
    }

    public static PriceFile Parse(string text, string path) =>
        IsLiteLlm(path) ? LiteLlmPriceReader.Parse(text, path) : PriceYamlReader.Parse(text, path);

    public static bool IsLiteLlm(string path) => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>A short hash of a file's content: its version on <c>cpst_pricing_info</c>.</summary>
    public static string Version(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
