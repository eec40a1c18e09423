using System.Text.Json;

namespace CpstExporter.Billing.CostApi;

/// <summary>The parts of reading a page the two APIs share.</summary>
internal static class CostApiPages
{
    /// <summary>Longer than any cursor a provider hands out; a longer one is not sent back.</summary>
    public const int MaxCursorLength = 1024;

    /// <exception cref="CostApiException">The body is not JSON of the page's shape (the message has the JSON path, never a value).</exception>
    public static TPage Parse<TPage>(ReadOnlySpan<byte> body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TPage> type, string api)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new CostApiException($"{api} answered null instead of a page");
        }
        catch (JsonException e)
        {
            throw new CostApiException($"{api} answered a page that is not the documented shape: {e.Message}");
        }
    }

    /// <summary>The cursor of the page after this one, or null after the last.</summary>
    public static string? NextCursor(bool hasMore, string? nextPage, string api)
    {
        if (!hasMore) return null;
        if (string.IsNullOrEmpty(nextPage)) throw new CostApiException($"{api} answered has_more without a next_page");
        if (nextPage.Length > MaxCursorLength) throw new CostApiException($"{api} answered a next_page of {nextPage.Length} characters (at most {MaxCursorLength})");
        return nextPage;
    }
}
