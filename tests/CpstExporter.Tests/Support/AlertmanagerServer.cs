using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace CpstExporter.Tests.Support;

/// <summary>
/// A real Alertmanager (the Debian <c>prometheus-alertmanager</c> binary) on a loopback port with one configuration
/// file, clustering off; its v2 API is the test's view of what it holds and what it holds back.
/// </summary>
internal sealed class AlertmanagerServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http;

    private AlertmanagerServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address => _http.BaseAddress!;

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static async Task<AlertmanagerServer> StartAsync(string configFile)
    {
        string binary = Binaries.Find("alertmanager") ?? throw new InvalidOperationException("'alertmanager' is not on PATH");
        string directory = Directory.CreateTempSubdirectory("cpst-alertmanager-").FullName;
        int port = FreeLoopbackPort();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                "--config.file=" + configFile,
                "--storage.path=" + directory,
                "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                "--cluster.listen-address=", // a single instance: no gossip port
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        var server = new AlertmanagerServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"alertmanager exited with {process.ExitCode}:\n{server.Log}");
            try
            {
                using HttpResponseMessage ready = await server._http.GetAsync("-/ready");
                if (ready.IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"alertmanager did not become ready:\n{server.Log}");
            await Task.Delay(100);
        }
    }

    /// <summary>The alerts Alertmanager holds (<c>GET /api/v2/alerts</c>), active, silenced and inhibited alike.</summary>
    public async Task<JsonElement> AlertsAsync()
    {
        using HttpResponseMessage response = await _http.GetAsync("api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true");
        string body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET api/v2/alerts → HTTP {(int)response.StatusCode}: {body}");
        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
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
