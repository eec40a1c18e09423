using CpstExporter.Exposition;

namespace CpstExporter.Tests.Exposition;

public class ExpositionFormatNegotiationTests
{
    private const string OpenMetrics = nameof(ExpositionFormat.OpenMetrics);
    private const string Text = nameof(ExpositionFormat.Text);
    private const string Protobuf = nameof(ExpositionFormat.Protobuf);

    public static TheoryData<string?, string> AcceptHeaders => new()
    {
        // Prometheus 2.x scrape requests
        { "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", OpenMetrics },
        // Prometheus 3.x scrape requests
        { "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1", OpenMetrics },
        // Prometheus 2.42 to 2.48 with --enable-feature=native-histograms
        { "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", Protobuf },
        // Prometheus 3.x with scrape_native_histograms: true (its proto-first scrape protocols)
        { "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1", Protobuf },
        { "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", Protobuf },
        // Another encoding or message than the one written, or ranked below text
        { "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", Text },
        { "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily", Text },
        { "application/vnd.google.protobuf;proto=other.Message;encoding=delimited", Text },
        { "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.4,application/openmetrics-text;version=1.0.0;q=0.5", OpenMetrics },
        { "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0", Text },
        // Prometheus with scrape_protocols: [PrometheusText0.0.4]
        { "text/plain;version=0.0.4;q=1,*/*;q=0.1", Text },
        { null, Text },
        { "", Text },
        { "text/plain", Text },
        { "text/plain; version=0.0.4; charset=utf-8", Text },
        { "*/*", Text },
        { "application/json", Text },
        { "application/openmetrics-text", OpenMetrics },
        { "application/openmetrics-text; version=1.0.0; charset=utf-8", OpenMetrics },
        { "Application/OpenMetrics-Text;Version=1.0.0", OpenMetrics },
        { "application/openmetrics-text;version=0.0.1", OpenMetrics },
        { "application/openmetrics-text;version=2.0.0", Text },
        { "application/openmetrics-text;q=0", Text },
        { "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4", Text },
        { "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0", OpenMetrics },
        { "text/plain;q=0.5,application/openmetrics-text;q=0.5", OpenMetrics },
        { "application/openmetrics-text;q=0.2", OpenMetrics },
    };

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public void Negotiate_AcceptHeader_PicksFormat(string? accept, string expected)
    {
        Assert.Equal(expected, ExpositionFormatNegotiation.Negotiate(accept).ToString());
    }

    [Fact]
    public void ContentType_PerFormat()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", ExpositionFormat.Text.ContentType());
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.OpenMetrics.ContentType());
        Assert.Equal("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", ExpositionFormat.Protobuf.ContentType());
    }
}
