using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CpstExporter.Billing;
using Microsoft.Extensions.DependencyInjection;

namespace CpstExporter.Tests.Exposition;

/// <summary><c>GET /api/v1/billing</c>'s parameters against a real exporter: what a bad one answers, ranges and the provider filter.</summary>
public sealed class BillingApiTests
{
    private static readonly HttpClient Client = new();

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(ExporterUnderTest exporter, string query, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.MetricsAddress, "/api/v1/billing" + query));
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using HttpResponseMessage response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { "?group=day", "unknown parameter 'group': use from, to, provider, group_by" },
        { "?group_by=day&group_by=provider", "parameter 'group_by' given 2 times: give it once" },
        { "?group_by=model", "group_by=model: use 'day' (a row per day and provider, the default), 'provider' or 'account'" },
        { "?from=yesterday", "from=yesterday: give epoch milliseconds (Grafana's ${__from}) or RFC 3339 (2026-01-31T12:00:00Z)" },
        { "?to=2026-13-01T00:00:00Z", "to=2026-13-01T00:00:00Z: give epoch milliseconds (Grafana's ${__from}) or RFC 3339 (2026-01-31T12:00:00Z)" },
        { "?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from=2026-11-02T00:00:00Z is after to=2026-11-01T00:00:00Z: give a range whose start is not after its end" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Billing_BadQuery_Is400WithAMessage(string query, string message)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();

        var (status, body) = await GetAsync(exporter, query);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(message, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Billing_RangeAndProvider_SelectTheDaysAndTheProvider_AllAndEmptyFilterNothing()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        exporter.Services.GetRequiredService<IBillSink>().Replace(new BillSnapshot(BillingSource.Focus, "f.csv",
        [
            new BilledAmount(new DateOnly(2026, 9, 1), "aws.bedrock", "1", 1m), new BilledAmount(new DateOnly(2026, 10, 15), "aws.bedrock", "1", 2m),
            new BilledAmount(new DateOnly(2026, 10, 15), "openai", "1", 4m), new BilledAmount(new DateOnly(2026, 11, 1), "openai", "1", 8m),
        ]));

        async Task<string[]> Days(string query)
        {
            var (status, body) = await GetAsync(exporter, query);
            Assert.Equal(HttpStatusCode.OK, status);
            return [.. JsonDocument.Parse(body).RootElement.EnumerateArray().Select(r => $"{r.GetProperty("day").GetString()} {r.GetProperty("provider").GetString()}")];
        }

        Assert.Equal(["2026-09-01 aws.bedrock", "2026-10-15 aws.bedrock", "2026-10-15 openai", "2026-11-01 openai"], await Days(""));
        Assert.Equal(await Days(""), await Days("?provider=*&from=&group_by="));
        Assert.Equal(["2026-10-15 openai"], await Days("?provider=OpenAI&to=2026-10-31T23:00:00%2B01:00"));
        Assert.Equal(["2026-10-15 aws.bedrock", "2026-10-15 openai"], await Days("?from=1792022400000&to=2026-10-15T23:59:59Z"));
        Assert.Empty(await Days("?provider=anthropic"));
    }

    [Fact]
    public async Task Billing_MetricsTokens_AreAskedAsOfTheTaskApi()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Auth:MetricsTokens:0"] = "scrape-token" });

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(exporter, "")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(exporter, "", bearer: "scrape-token")).Status);
    }

    [Fact]
    public async Task Billing_Post_Is405()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();

        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.MetricsAddress, "/api/v1/billing"), new StringContent(""));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
