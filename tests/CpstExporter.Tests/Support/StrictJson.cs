using System.Text;
using System.Text.Json;

namespace CpstExporter.Tests.Support;

/// <summary>
/// Reads an answer of the task API as a strict JSON client would: the bytes must be valid UTF-8 (RFC 8259), the
/// document valid JSON without comments or trailing commas, and every string, escapes included, must be text (a lone
/// surrogate escape such as <c>\ud800</c> is not).
/// </summary>
internal static class StrictJson
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="Xunit.Sdk.XunitException">The bytes are not strict JSON; the message says why.</exception>
    public static JsonDocument Parse(byte[] body)
    {
        try
        {
            Utf8.GetString(body);
            JsonDocument document = JsonDocument.Parse(body, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
            CheckStrings(document.RootElement);
            return document;
        }
        catch (Exception e) when (e is DecoderFallbackException or JsonException or InvalidOperationException)
        {
            throw new Xunit.Sdk.XunitException($"not strict JSON ({e.GetType().Name}: {e.Message}): {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 2000)))}");
        }
    }

    /// <summary>GETs <paramref name="address"/> and parses the answer strictly, whatever its status.</summary>
    public static async Task<(System.Net.HttpStatusCode Status, JsonDocument Json)> GetAsync(HttpClient client, Uri address)
    {
        using HttpResponseMessage response = await client.GetAsync(address);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, Parse(body));
    }

    private static void CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                element.GetString(); // throws on an escape that is no character
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray()) CheckStrings(item);
                break;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    _ = property.Name;
                    CheckStrings(property.Value);
                }
                break;
        }
    }
}
