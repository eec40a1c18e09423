using System.Diagnostics;

namespace CpstExporter.LoadGen.Bench;

/// <summary>Scrapes the exporter as Prometheus does, OpenMetrics first, and times it.</summary>
internal sealed class MetricsScraper(Uri url) : IDisposable
{
    private const string PrometheusAccept =
        "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(30) };

    public Uri Url => url;

    public async Task<MetricsSnapshot> ScrapeAsync(CancellationToken cancel)
    {
        string text = await FetchAsync(cancel).ConfigureAwait(false);
        return MetricsSnapshot.Parse(text, Stopwatch.GetTimestamp());
    }

    /// <summary>Milliseconds from sending the request to having read the whole body.</summary>
    public async Task<double> TimeAsync(CancellationToken cancel)
    {
        long start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", PrometheusAccept);
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancel).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private async Task<string> FetchAsync(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", PrometheusAccept);
        using HttpResponseMessage response = await _http.SendAsync(request, cancel).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();
}
