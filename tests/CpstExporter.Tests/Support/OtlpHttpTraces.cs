using System.Net;
using System.Net.Http.Headers;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.Support;

/// <summary>Spans of the service <c>agent</c> posted to an exporter's <c>/v1/traces</c> as OTLP/HTTP protobuf, answered 200.</summary>
internal static class OtlpHttpTraces
{
    private static readonly HttpClient Client = new();

    public static async Task SendAsync(Uri otlpHttp, params Span[] spans)
    {
        using var content = new ByteArrayContent(Spans.Request("agent", spans).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(otlpHttp, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
