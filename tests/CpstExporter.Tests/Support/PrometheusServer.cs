using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace CpstExporter.Tests.Support;

/// <summary>
/// A real Prometheus server (the Debian <c>prometheus</c> binary) on a loopback port, scraping one exporter every
/// second with exemplar storage on and evaluating the given rule files every second, or evaluating rules over a
/// backfilled TSDB (<see cref="StartOnAsync"/>); its HTTP API is the test's view.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <param name="flags">More command-line flags, such as <c>--enable-feature=native-histograms</c>.</param>
    public static Task<PrometheusServer> StartAsync(Uri metricsAddress, IEnumerable<string> ruleFiles, params string[] flags)
    {
        string directory = Directory.CreateTempSubdirectory("cpst-prometheus-").FullName;
        // The same job name as the shipped prometheus/prometheus.yml: CpstExporterDown and the exporter dashboard select it.
        return StartAsync(directory, Path.Combine(directory, "data"), flags, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
            {string.Concat(ruleFiles.Select(f => $"  - {f}\n"))}
            scrape_configs:
              - job_name: cpst-exporter
                metrics_path: /metrics
                static_configs:
                  - targets: ['{metricsAddress.Authority}']
            """);
    }

    /// <summary>
    /// A Prometheus over an existing TSDB directory (backfilled blocks), scraping nothing, evaluating the given rule files
    /// every second and sending its alerts to the Alertmanager at <paramref name="alertmanager"/>, if any, again every
    /// 2s while they fire (not every minute: a first send before Prometheus has found Alertmanager is lost). The data
    /// directory belongs to the caller and outlives the server, so a second server can start on it.
    /// </summary>
    public static Task<PrometheusServer> StartOnAsync(string dataDirectory, IEnumerable<string> ruleFiles, Uri? alertmanager = null)
    {
        string directory = Directory.CreateTempSubdirectory("cpst-prometheus-").FullName;
        string alerting = alertmanager is null ? "" : $"""
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['{alertmanager.Authority}']
            """;
        return StartAsync(directory, dataDirectory, ["--rules.alert.resend-delay=2s"], $"""
            global:
              evaluation_interval: 1s
            rule_files:
            {string.Concat(ruleFiles.Select(f => $"  - {f}\n"))}
            {alerting}
            """);
    }

    private static async Task<PrometheusServer> StartAsync(string directory, string dataDirectory, string[] flags, string configuration)
    {
        string binary = Binaries.Find("prometheus") ?? throw new InvalidOperationException("'prometheus' is not on PATH");
        string config = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(config, configuration);
        int port = FreeLoopbackPort();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                "--config.file=" + config,
                "--storage.tsdb.path=" + dataDirectory,
                "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                "--enable-feature=exemplar-storage",
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string flag in flags) start.ArgumentList.Add(flag);
        var process = Process.Start(start)!;
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilAsync("Prometheus is ready", async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"prometheus exited with {process.ExitCode}:\n{server.Log}");
            try
            {
                using HttpResponseMessage ready = await server._http.GetAsync("-/ready");
                return ready.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        });
        return server;
    }

    /// <summary>The server's own address, for clients such as <c>promtool tsdb create-blocks-from rules --url</c>.</summary>
    public Uri Address => _http.BaseAddress!;

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>An instant query; a PromQL error fails with Prometheus' own message and the query.</summary>
    public async Task<JsonElement> QueryAsync(string promql) =>
        (await GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql), promql)).GetProperty("result");

    /// <summary>An instant query evaluated at <paramref name="time"/> (Unix seconds) instead of now.</summary>
    public async Task<JsonElement> QueryAtAsync(string promql, double time) =>
        (await GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}&time={time.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", promql))
            .GetProperty("result");

    /// <summary>The single number an instant query returns, or null when the result is empty.</summary>
    public async Task<double?> ScalarAsync(string promql)
    {
        JsonElement result = await QueryAsync(promql);
        return result.GetArrayLength() == 0 ? null : ValueOf(result[0]);
    }

    /// <summary>Result of a vector query keyed by one label, e.g. use_case → CPST.</summary>
    public async Task<IReadOnlyDictionary<string, double>> ByLabelAsync(string promql, string label)
    {
        var values = new Dictionary<string, double>();
        foreach (JsonElement sample in (await QueryAsync(promql)).EnumerateArray())
            values[sample.GetProperty("metric").GetProperty(label).GetString()!] = ValueOf(sample);
        return values;
    }

    /// <summary>GETs an API path and returns its <c>data</c>, failing on any status but success.</summary>
    public async Task<JsonElement> GetAsync(string pathAndQuery, string? what = null)
    {
        using HttpResponseMessage response = await _http.GetAsync(pathAndQuery);
        string body = await response.Content.ReadAsStringAsync();
        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement root = document.RootElement;
        if (!response.IsSuccessStatusCode || root.GetProperty("status").GetString() != "success")
            throw new PrometheusQueryException($"{what ?? pathAndQuery}\n→ HTTP {(int)response.StatusCode}: {body}");
        return root.GetProperty("data").Clone();
    }

    /// <summary>Polls until <paramref name="condition"/> holds; Prometheus works on its own clock, so this is the only way to meet it.</summary>
    public async Task WaitUntilAsync(string what, Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(90)))
                throw new TimeoutException($"gave up waiting for: {what}\nprometheus log:\n{Log}");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left in the temp directory; nothing depends on it.
        }
    }

    private static double ValueOf(JsonElement sample) =>
        double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
