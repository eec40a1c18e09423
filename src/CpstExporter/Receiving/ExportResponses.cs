using System.Text.Json;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Receiving;

/// <summary>The bodies OTLP answers with: an ExportTraceServiceResponse, or a google.rpc.Status on error.</summary>
internal static class ExportResponses
{
    public static byte[] Protobuf(SpanBatch batch) => batch.RejectedSpans == 0
        ? []
        : new ExportTraceServiceResponse
        {
            PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = batch.RejectedSpans, ErrorMessage = batch.RejectionMessage ?? "" },
        }.ToByteArray();

    public static byte[] Json(SpanBatch batch)
    {
        if (batch.RejectedSpans == 0) return "{}"u8.ToArray();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("partialSuccess");
            // int64 as a string, as the protobuf JSON mapping writes it.
            json.WriteString("rejectedSpans", batch.RejectedSpans.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("errorMessage", batch.RejectionMessage);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    public static byte[] StatusProtobuf(int grpcCode, string message) =>
        new Rpc.Status { Code = grpcCode, Message = message }.ToByteArray();

    public static byte[] StatusJson(int grpcCode, string message)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("code", grpcCode);
            json.WriteString("message", message);
            json.WriteEndObject();
        }
        return stream.ToArray();
    }
}
