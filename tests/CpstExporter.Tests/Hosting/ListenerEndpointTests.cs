using System.Net;
using CpstExporter.Hosting;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Hosting;

public sealed class ListenerEndpointTests
{
    public static TheoryData<string, string, int, bool> Urls => new()
    {
        { "http://127.0.0.1:4317", "127.0.0.1", 4317, false },
        { "https://0.0.0.0:4317", "0.0.0.0", 4317, true },
        { "http://[::]:9464", "::", 9464, false },
        { "http://[::1]:9464/", "::1", 9464, false },
        { "http://localhost:4318", "127.0.0.1", 4318, false },
        { "HTTPS://LOCALHOST:4318", "127.0.0.1", 4318, true },
        { "http://*:4318", "0.0.0.0", 4318, false },
        { "http://+:4318", "0.0.0.0", 4318, false },
        { " http://127.0.0.1:0 ", "127.0.0.1", 0, false },
    };

    [Theory]
    [MemberData(nameof(Urls))]
    public void Parse_Url_GivesAddressPortAndScheme(string url, string address, int port, bool tls)
    {
        ListenerEndpoint endpoint = ListenerEndpoint.Parse(url, "Cpst:Listen:OtlpGrpc");
        Assert.Equal(IPAddress.Parse(address), endpoint.Address);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(tls, endpoint.Tls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:4317")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:4317/v1/traces")]
    [InlineData("http://user@127.0.0.1:4317")]
    [InlineData("grpc://127.0.0.1:4317")]
    [InlineData("http://exporter:4317")]
    [InlineData("http://256.0.0.1:4317")]
    [InlineData("http://127.0.0.1:65536")]
    public void Parse_NotAListenerUrl_NamesTheKey(string url)
    {
        var error = Assert.Throws<CpstConfigurationException>(() => ListenerEndpoint.Parse(url, "Cpst:Listen:Metrics"));
        Assert.StartsWith("Cpst:Listen:Metrics", error.Message);
    }
}
