using System.Text.Json;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace CpstExporter.Receiving;

/// <summary>
/// The bodies OTLP answers with: an ExportTraceServiceResponse or ExportLogsServiceResponse, or a google.rpc.Status on
/// error. A logs answer never rejects a record (every log record of a well-formed request is accepted, docs/operations.md,
/// "Evaluation events"): its partial success is a warning naming an evaluation event that was ignored.
/// </summary>
internal static class ExportResponses
{
    public static byte[] Protobuf(SpanBatch batch, ExportSignal signal = ExportSignal.Traces)
    {
        if (!batch.IsPartialSuccess) return [];
        string message = batch.RejectionMessage ?? "";
        return signal == ExportSignal.Logs
            ? new ExportLogsServiceResponse { PartialSuccess = new ExportLogsPartialSuccess { ErrorMessage = message } }.ToByteArray()
            : new ExportTraceServiceResponse
            {
                PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = batch.RejectedSpans, ErrorMessage = message },
            }.ToByteArray();
    }

    public static byte[] Json(SpanBatch batch, ExportSignal signal = ExportSignal.Traces)
    {
        if (!batch.IsPartialSuccess) return "{}"u8.ToArray();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("partialSuccess");
            // int64 as a string, as the protobuf JSON mapping writes it.
            json.WriteString(signal == ExportSignal.Logs ? "rejectedLogRecords" : "rejectedSpans",
                (signal == ExportSignal.Logs ? 0 : batch.RejectedSpans).ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("errorMessage", batch.RejectionMessage);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    public static byte[] StatusProtobuf(int grpcCode, string message, TimeSpan? retryDelay = null)
    {
        var status = new Rpc.Status { Code = grpcCode, Message = message };
        if (retryDelay is TimeSpan delay)
            status.Details.Add(Any.Pack(new Rpc.RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        return status.ToByteArray();
    }

    /// <summary>The protobuf JSON mapping of google.rpc.Status, with a RetryInfo detail when a retry delay is given.</summary>
    public static byte[] StatusJson(int grpcCode, string message, TimeSpan? retryDelay = null)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("code", grpcCode);
            json.WriteString("message", message);
            if (retryDelay is TimeSpan delay)
            {
                json.WriteStartArray("details");
                json.WriteStartObject();
                json.WriteString("@type", "type.googleapis.com/google.rpc.RetryInfo");
                json.WriteString("retryDelay", delay.TotalSeconds.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture) + "s");
                json.WriteEndObject();
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>
    /// The value of the <c>grpc-status-details-bin</c> trailer: a serialized google.rpc.Status, base64 without padding,
    /// as gRPC writes binary metadata.
    /// </summary>
    public static string StatusDetailsHeader(int grpcCode, string message, TimeSpan? retryDelay = null) =>
        Convert.ToBase64String(StatusProtobuf(grpcCode, message, retryDelay)).TrimEnd('=');
}
