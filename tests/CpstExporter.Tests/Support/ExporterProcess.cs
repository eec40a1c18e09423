using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The built exporter as a child process (<c>dotnet CpstExporter.dll --Cpst:…</c>), on ports the OS picks, for what
/// only a real process shows: signals, exit codes, a crash. The listening addresses are read from its log.
/// </summary>
internal sealed partial class ExporterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, Uri> _addresses = new();

    private ExporterProcess(Process process) => _process = process;

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "CpstExporter.dll");

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public Uri GrpcAddress => _addresses["OtlpGrpc"];
    public Uri HttpAddress => _addresses["OtlpHttp"];
    public Uri MetricsAddress => _addresses["Metrics"];

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Resident memory now (VmRSS in /proc/&lt;pid&gt;/status), in bytes. Linux only.</summary>
    public long ResidentBytes => StatusBytes("VmRSS");

    /// <summary>
    /// The most resident memory since the start or the last <see cref="ResetPeakResident"/> (VmHWM), in bytes: a peak
    /// that sampling VmRSS could miss. Linux only.
    /// </summary>
    public long PeakResidentBytes => StatusBytes("VmHWM");

    /// <summary>Sets the peak (VmHWM) back to the memory resident now, as <c>echo 5 &gt; /proc/&lt;pid&gt;/clear_refs</c> does.</summary>
    public void ResetPeakResident() => File.WriteAllText($"/proc/{_process.Id}/clear_refs", "5");

    private long StatusBytes(string field)
    {
        foreach (string line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            string kilobytes = line[(field.Length + 1)..].Trim();
            return long.Parse(kilobytes[..kilobytes.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"/proc/{_process.Id}/status has no {field}");
    }

    /// <summary>Starts the exporter on loopback port 0 for each listener, plus <paramref name="settings"/>, and waits until it listens.</summary>
    public static Task<ExporterProcess> StartAsync(params string[] settings) => StartAsync(new Dictionary<string, string>(), settings);

    /// <summary>As <see cref="StartAsync(string[])"/>, with <paramref name="environment"/> added to the process's environment.</summary>
    public static Task<ExporterProcess> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] settings) =>
        StartAsync(environment, openFileLimit: null, settings);

    /// <summary>
    /// As <see cref="StartAsync(string[])"/>, under <c>ulimit -n <paramref name="openFileLimit"/></c> (soft and hard) when
    /// it is given, as a service manager or container runtime would start it.
    /// </summary>
    public static Task<ExporterProcess> StartAsync(int? openFileLimit, params string[] settings) =>
        StartAsync(new Dictionary<string, string>(), openFileLimit, settings);

    private static async Task<ExporterProcess> StartAsync(IReadOnlyDictionary<string, string> environment, int? openFileLimit, string[] settings)
    {
        string[] args =
        [
            Dll, "--Cpst:Listen:OtlpGrpc=http://127.0.0.1:0", "--Cpst:Listen:OtlpHttp=http://127.0.0.1:0", "--Cpst:Listen:Metrics=http://127.0.0.1:0",
            // No drain unless a test asks for one (a later --Cpst:Shutdown:DrainSeconds wins): stops take no 15 s each.
            "--Cpst:Shutdown:DrainSeconds=0",
            .. settings,
        ];
        var start = new ProcessStartInfo(openFileLimit is null ? "dotnet" : "/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (openFileLimit is int limit)
        {
            // exec: the shell becomes the exporter, so the process id and the signals are the exporter's own.
            foreach (string arg in new[] { "-c", $"ulimit -n {limit} && exec dotnet \"$@\"", "sh" }) start.ArgumentList.Add(arg);
        }
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;

        var exporter = new ExporterProcess(Process.Start(start)!);
        exporter._process.OutputDataReceived += (_, e) => exporter.OnLine(e.Data);
        exporter._process.ErrorDataReceived += (_, e) => exporter.OnLine(e.Data);
        exporter._process.BeginOutputReadLine();
        exporter._process.BeginErrorReadLine();

        Task exited = exporter._process.WaitForExitAsync();
        Task first = await Task.WhenAny(exporter._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != exporter._listening.Task)
        {
            await exporter.DisposeAsync();
            throw new InvalidOperationException($"the exporter did not start listening:\n{exporter.Output}");
        }
        return exporter;
    }

    /// <summary>Runs the exporter with <paramref name="args"/> to its end (for --check-config and configuration errors).</summary>
    public static Task<(int ExitCode, string Output)> RunToEndAsync(params string[] args) =>
        Processes.RunAsync("dotnet", string.Join(' ', new[] { Dll }.Concat(args).Select(Quote)), timeout: TimeSpan.FromSeconds(60), workingDirectory: AppContext.BaseDirectory);

    private static string Quote(string arg) => arg.Contains(' ', StringComparison.Ordinal) || arg.Contains('"', StringComparison.Ordinal)
        ? "\"" + arg.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : arg;

    /// <summary>Sends a signal (<c>TERM</c>, <c>KILL</c>) as an orchestrator would, and waits for the exit code.</summary>
    public async Task<int> SignalAsync(string signal)
    {
        var (code, output) = await Processes.RunAsync("kill", $"-{signal} {_process.Id}");
        if (code != 0) throw new InvalidOperationException($"kill -{signal} failed: {output}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            Match match = ListeningLine().Match(line);
            if (match.Success) _addresses[match.Groups["listener"].Value] = new Uri(match.Groups["address"].Value);
            if (_addresses.Count == 3) _listening.TrySetResult();
        }
    }

    [GeneratedRegex(@"(?<listener>OtlpGrpc|OtlpHttp|Metrics) listening on (?<address>https?://\S+)")]
    private static partial Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
