using CpstExporter.Receiving;
using CpstExporter.Tests.Support;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Tests.Receiving;

public class OtlpGrpcAnswersTests
{
    public static TheoryData<string, string> Messages => new()
    {
        { "plain ASCII message: ok", "plain ASCII message: ok" },
        { "100%", "100%25" },
        { "%41", "%2541" },
        { "café", "caf%C3%A9" },
        { "模型", "%E6%A8%A1%E5%9E%8B" },
        { "😀", "%F0%9F%98%80" },
        { "line\nbreak\ttab", "line%0Abreak%09tab" },
        { "\u007f", "%7F" },
        { " ~", " ~" },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void PercentEncode_GrpcMessage_EncodesNonAsciiControlAndPercent(string message, string expected)
    {
        Assert.Equal(expected, OtlpGrpcAnswers.PercentEncode(message));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void PercentEncode_Decodes_BackToTheMessage(string message, string expected)
    {
        string encoded = OtlpGrpcAnswers.PercentEncode(message);
        Assert.Equal(expected, encoded);

        Assert.Equal(message, Uri.UnescapeDataString(encoded));
        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
    }

    private const int MaxRequestBytes = 4096;

    private static DefaultHttpContext Ended(Status status)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IServerCallContextFeature>(new EndedCall(status));
        return context;
    }

    public static TheoryData<StatusCode, string?> Endings => new()
    {
        { StatusCode.OK, null },
        { StatusCode.InvalidArgument, nameof(RequestRejection.Malformed) },
        { StatusCode.Internal, nameof(RequestRejection.Malformed) },
        { StatusCode.Unknown, nameof(RequestRejection.Malformed) },
        { StatusCode.Unimplemented, nameof(RequestRejection.UnsupportedMediaType) },
        { StatusCode.Unavailable, null },      // counted where the gate refused it
        { StatusCode.Unauthenticated, null },  // counted where the token was checked
        { StatusCode.DeadlineExceeded, null }, // not the request's fault
    };

    [Theory]
    [MemberData(nameof(Endings))]
    public void Rejection_ReadsTheStatusTheCallEndedWith(StatusCode code, string? expected)
    {
        DefaultHttpContext context = Ended(new Status(code, "whatever the text says"));

        Assert.Equal(expected, OtlpGrpcAnswers.Rejection(context, MaxRequestBytes)?.ToString());
    }

    [Fact]
    public void Rejection_NoGrpcCall_IsNone()
    {
        Assert.Null(OtlpGrpcAnswers.Rejection(new DefaultHttpContext(), MaxRequestBytes));
    }

    [Fact]
    public void Rejection_UnknownOfAnAbortedRequest_IsNotTheRequestsFault()
    {
        DefaultHttpContext context = Ended(new Status(StatusCode.Unknown, "Exception was thrown by handler."));
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        context.RequestAborted = aborted.Token;

        Assert.Null(OtlpGrpcAnswers.Rejection(context, MaxRequestBytes));
    }

    [Fact]
    public void Rejection_GrpcDotnetsOwnSizeRefusal_GetsTheMessageNamingTheLimit()
    {
        DefaultHttpContext context = Ended(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."));
        context.Response.Headers["grpc-message"] = "Received message exceeds the maximum configured message size.";

        Assert.Equal(RequestRejection.TooLarge, OtlpGrpcAnswers.Rejection(context, MaxRequestBytes));
        Assert.Equal(OtlpGrpcAnswers.PercentEncode(new RequestTooLargeException(MaxRequestBytes).Message), context.Response.Headers["grpc-message"].ToString());
    }

    [Fact]
    public void Rejection_ExportersOwnSizeRefusal_KeepsItsMessage()
    {
        RpcException refused = RequestTooLargeException.Decoded(budget: 8192, perReceivedByte: 16).ToRpcException();
        DefaultHttpContext context = Ended(refused.Status);
        context.Response.Headers["grpc-message"] = OtlpGrpcAnswers.PercentEncode(refused.Status.Detail);

        Assert.Equal(RequestRejection.TooLarge, OtlpGrpcAnswers.Rejection(context, MaxRequestBytes));
        Assert.Equal(OtlpGrpcAnswers.PercentEncode(refused.Status.Detail), context.Response.Headers["grpc-message"].ToString());
        Assert.StartsWith("request too large once decoded", refused.Status.Detail);
    }
}
