using System.Net;
using System.Net.Sockets;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// The built exporter started with a wrong configuration exits with code 2 and one line naming the key and the fix;
/// <c>--check-config</c> checks without serving.
/// </summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<string> ExpectExit2Async(params string[] args)
    {
        var (exitCode, output) = await ExporterProcess.RunToEndAsync(args);
        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
        string line = output.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("cpst-exporter: ", line);
        return line;
    }

    [Fact]
    public async Task Start_WrongType_Exit2NamingTheKey()
    {
        string line = await ExpectExit2Async("--Cpst:Tasks:SettleSeconds=five");
        Assert.Equal("cpst-exporter: Cpst:Tasks:SettleSeconds: 'five' is not a whole number (up to 2147483647); fix the value", line);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "otel-collector:4318", "is not an http:// or https:// URL")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "/v1/traces", "is not an http:// or https:// URL")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "use grpc or http/protobuf")]
    public async Task Start_OtlpVariableTheSdkWouldIgnore_Exit2NamingIt(string key, string value, string fix)
    {
        string line = await ExpectExit2Async($"--{key}={value}", $"--{OtlpEndpointFor(key)}");
        Assert.StartsWith($"cpst-exporter: {key}: '{value}' ", line);
        Assert.Contains(fix, line);
    }

    /// <summary>A valid endpoint beside a wrong protocol, so that own telemetry is asked for.</summary>
    private static string OtlpEndpointFor(string key) =>
        key.EndsWith("_PROTOCOL", StringComparison.Ordinal) ? "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318" : "Cpst:Tasks:SettleSeconds=5";

    [Fact]
    public async Task Start_HostNameAsBindAddress_Exit2NamingTheKey()
    {
        string line = await ExpectExit2Async("--Cpst:Listen:OtlpGrpc=http://exporter.internal:4317");
        Assert.Contains("Cpst:Listen:OtlpGrpc: host 'exporter.internal' is not an IP address; use 127.0.0.1, 0.0.0.0, [::] or localhost", line);
    }

    [Fact]
    public async Task Start_AddressThisHostDoesNotHave_Exit2NamingTheKey()
    {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a host.
        string line = await ExpectExit2Async("--Cpst:Listen:Metrics=http://192.0.2.1:9464", "--Cpst:Listen:OtlpGrpc=http://127.0.0.1:0", "--Cpst:Listen:OtlpHttp=http://127.0.0.1:0");
        Assert.StartsWith("cpst-exporter: Cpst:Listen:Metrics: cannot listen on http://192.0.2.1:9464", line);
        Assert.EndsWith("this host has no such address; use one of its addresses, or 0.0.0.0 for all", line);
    }

    [Fact]
    public async Task Start_PortInUse_Exit2NamingTheKey()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;

        string line = await ExpectExit2Async($"--Cpst:Listen:OtlpHttp=http://127.0.0.1:{port}", "--Cpst:Listen:OtlpGrpc=http://127.0.0.1:0", "--Cpst:Listen:Metrics=http://127.0.0.1:0");

        Assert.StartsWith($"cpst-exporter: Cpst:Listen:OtlpHttp: cannot listen on http://127.0.0.1:{port}", line);
        Assert.Contains("choose a free port", line);
    }

    [Fact]
    public async Task Start_BrokenPricingFile_Exit2NamingTheKey()
    {
        string pricing = Path.Combine(_dir, "pricing.yaml");
        await File.WriteAllTextAsync(pricing, "models:\n  - name: gpt-4o\n    input: -1\n    output: 2\n");
        string line = await ExpectExit2Async($"--Cpst:PricingFile={pricing}");
        Assert.StartsWith("cpst-exporter: Cpst:PricingFile: ", line);
        Assert.Contains("models[0] (gpt-4o): prices must not be negative", line);
    }

    [Theory]
    [InlineData("""{"gpt-4o": {"input_cost_per_token": "0.0000025", "output_cost_per_token": 1e-05, "mode": "chat"}}""",
        "'gpt-4o'.input_cost_per_token: a price must be a JSON number")]
    [InlineData("""{"gpt-4o": {"input_cost_per_token": null, "output_cost_per_token": 1e-05, "mode": "chat"}}""",
        "'gpt-4o'.input_cost_per_token: a price must be a JSON number")]
    [InlineData("""["gpt-4o"]""", "not a LiteLLM price list")]
    public async Task Start_BrokenLayerOfSeveral_Exit2NamingTheKeyTheFileTheEntryAndThePrice(string liteLlm, string problem)
    {
        string list = Path.Combine(_dir, "model_prices_and_context_window.json");
        string contract = Path.Combine(_dir, "contract.yaml");
        await File.WriteAllTextAsync(list, liteLlm);
        await File.WriteAllTextAsync(contract, "models:\n  - { name: gpt-4o, input: 2.00, output: 8.00 }\n");

        string line = await ExpectExit2Async($"--Cpst:PricingFiles:0={list}", $"--Cpst:PricingFiles:1={contract}");

        Assert.StartsWith($"cpst-exporter: Cpst:PricingFiles: {list}: ", line);
        Assert.Contains(problem, line);
    }

    [Fact]
    public async Task Start_EmptyPricingFile_Exit2InsteadOfPricingEveryCallAtZero()
    {
        string pricing = Path.Combine(_dir, "pricing.yaml");
        await File.WriteAllBytesAsync(pricing, []);
        string line = await ExpectExit2Async($"--Cpst:PricingFile={pricing}");
        Assert.StartsWith("cpst-exporter: Cpst:PricingFile: ", line);
        Assert.Contains("no models", line);
    }

    [Fact]
    public async Task Start_TokensAsPlainValue_Exit2InsteadOfRunningOpen()
    {
        string line = await ExpectExit2Async("--Cpst:Auth:Tokens=secret-token");
        Assert.StartsWith("cpst-exporter: Cpst:Auth:Tokens is a list", line);
    }

    [Fact]
    public async Task CheckConfig_ValidConfiguration_PrintsOneOkLineAndBindsNothing()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port; // in use: --check-config must not try to bind it

        var (exitCode, output) = await ExporterProcess.RunToEndAsync("--check-config", $"--Cpst:Listen:OtlpGrpc=http://127.0.0.1:{port}");

        Assert.True(exitCode == 0, output);
        string line = output.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith($"cpst-exporter: configuration OK (OtlpGrpc http://127.0.0.1:{port}, OtlpHttp http://127.0.0.1:4318, Metrics http://127.0.0.1:9464;", line);
    }

    [Fact]
    public async Task CheckConfig_OtlpEndpoints_SaysWhichSignalsGoOut()
    {
        var (exitCode, output) = await ExporterProcess.RunToEndAsync("--check-config",
            "--OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://otel-collector:4318/v1/traces", "--OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=http://otel-collector:4318/v1/logs");

        Assert.True(exitCode == 0, output);
        Assert.EndsWith("; own telemetry over OTLP: traces, logs)", output.Trim());
    }

    [Fact]
    public async Task CheckConfig_UnknownKey_WarnsAndStillPasses()
    {
        var (exitCode, output) = await ExporterProcess.RunToEndAsync("--check-config", "--Cpst:Tasks:SettleSecond=10");
        Assert.True(exitCode == 0, output);
        Assert.Contains("cpst-exporter: warning: unknown configuration key Cpst:Tasks:SettleSecond is ignored; did you mean Cpst:Tasks:SettleSeconds?", output);
        Assert.Contains("cpst-exporter: configuration OK", output);
    }

    [Fact]
    public async Task CheckConfig_WrongValue_Exit2()
    {
        string line = await ExpectExit2Async("--check-config", "--Cpst:Limits:MaxRequestBytes=64MiB");
        Assert.Equal("cpst-exporter: Cpst:Limits:MaxRequestBytes: '64MiB' is not a whole number (up to 2147483647); fix the value", line);
    }

    [Fact]
    public async Task CheckConfig_HttpsWithItsCertificate_Passes()
    {
        using var certificate = new TestCertificate();
        var (exitCode, output) = await ExporterProcess.RunToEndAsync("--check-config", "--Cpst:Listen:OtlpGrpc=https://0.0.0.0:4317",
            $"--Kestrel:Certificates:Default:Path={certificate.PfxPath}", $"--Kestrel:Certificates:Default:Password={TestCertificate.Password}");
        Assert.True(exitCode == 0, output);
        Assert.Contains("OtlpGrpc https://0.0.0.0:4317", output);
    }
}
