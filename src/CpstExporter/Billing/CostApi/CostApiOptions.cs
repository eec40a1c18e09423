using System.Globalization;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// The providers' cost APIs polled for the bill (<c>Cpst:Billing:PollMinutes</c>, <c>Cpst:Billing:OpenAI:…</c>,
/// <c>Cpst:Billing:Anthropic:…</c>), docs/billing.md "OpenAI and Anthropic cost APIs". A provider is polled only when its
/// admin key file is set.
/// </summary>
internal sealed class CostApiOptions
{
    /// <summary>The section below <c>Cpst</c> of these keys.</summary>
    public const string Section = "Billing";

    /// <summary>The longest interval accepted: a day, so the current day's figures are read at least daily.</summary>
    public const int MaxPollMinutes = 1440;

    /// <summary>The keys below <c>Cpst</c> these options are read from.</summary>
    public static readonly string[] Keys =
    [
        $"{Section}:PollMinutes",
        $"{Section}:OpenAI:AdminKeyFile", $"{Section}:OpenAI:BaseUrl",
        $"{Section}:Anthropic:AdminKeyFile", $"{Section}:Anthropic:BaseUrl",
    ];

    /// <summary>Minutes between polls of each configured provider (the first poll is at start). Default 60.</summary>
    public int PollMinutes { get; init; } = 60;

    /// <summary>OpenAI's organization costs API. Default: not polled, at <c>https://api.openai.com</c>.</summary>
    public CostApiEndpointOptions OpenAI { get; init; } = new(null, new Uri("https://api.openai.com"));

    /// <summary>Anthropic's cost report API. Default: not polled, at <c>https://api.anthropic.com</c>.</summary>
    public CostApiEndpointOptions Anthropic { get; init; } = new(null, new Uri("https://api.anthropic.com"));

    public TimeSpan PollInterval => TimeSpan.FromMinutes(PollMinutes);

    /// <exception cref="CpstConfigurationException">A value is out of range or not a URL; the message names the key.</exception>
    public static CostApiOptions Read(IConfigurationSection cpst)
    {
        IConfigurationSection billing = cpst.GetSection(Section);
        var defaults = new CostApiOptions();
        var options = new CostApiOptions
        {
            PollMinutes = ReadMinutes(billing["PollMinutes"], defaults.PollMinutes),
            OpenAI = ReadEndpoint(billing.GetSection("OpenAI"), "OpenAI", defaults.OpenAI),
            Anthropic = ReadEndpoint(billing.GetSection("Anthropic"), "Anthropic", defaults.Anthropic),
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="CpstConfigurationException"/> when <see cref="PollMinutes"/> is out of its range.</summary>
    public void Validate()
    {
        if (PollMinutes is < 1 or > MaxPollMinutes)
            throw new CpstConfigurationException($"Cpst:{Section}:PollMinutes must be a whole number of minutes from 1 to {MaxPollMinutes}, not {PollMinutes}");
    }

    private static int ReadMinutes(string? text, int fallback)
    {
        if (string.IsNullOrEmpty(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int minutes))
            throw new CpstConfigurationException($"Cpst:{Section}:PollMinutes must be a whole number of minutes from 1 to {MaxPollMinutes}, not '{text}'");
        return minutes;
    }

    private static CostApiEndpointOptions ReadEndpoint(IConfigurationSection section, string name, CostApiEndpointOptions fallback)
    {
        string key = $"Cpst:{Section}:{name}:BaseUrl";
        Uri baseUrl = fallback.BaseUrl;
        if (section["BaseUrl"] is { Length: > 0 } text)
        {
            // Credentials in the URL would end up in logs with it; a query or fragment would be lost when paths are added.
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? parsed) || parsed.Scheme is not ("http" or "https")
                || parsed.UserInfo.Length > 0 || parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
                throw new CpstConfigurationException($"{key} must be an http:// or https:// URL without credentials, query or fragment " +
                    $"(such as {fallback.BaseUrl.OriginalString}, or a proxy's address), not '{text}'");
            baseUrl = parsed;
        }
        string? keyFile = section["AdminKeyFile"] is { Length: > 0 } file ? file : null;
        return new CostApiEndpointOptions(keyFile, baseUrl);
    }
}
