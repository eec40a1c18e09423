using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace CpstExporter.Tests.Support;

/// <summary>
/// A gRPC call as grpc-dotnet leaves it on the <c>HttpContext</c> once it ended: only its final
/// <see cref="ServerCallContext.Status"/> is real, the rest of the call is not asked for.
/// </summary>
internal sealed class EndedCall(Status status) : ServerCallContext, IServerCallContextFeature
{
    private Status _status = status;

    public ServerCallContext ServerCallContext => this;

    protected override string MethodCore => "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    protected override string HostCore => "127.0.0.1";
    protected override string PeerCore => "ipv4:127.0.0.1:1";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore { get; } = [];
    protected override CancellationToken CancellationTokenCore => CancellationToken.None;
    protected override Metadata ResponseTrailersCore { get; } = [];
    protected override Status StatusCore { get => _status; set => _status = value; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore => new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("an ended call propagates nothing");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) =>
        throw new NotSupportedException("an ended call writes nothing");
}
