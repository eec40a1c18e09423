namespace CpstExporter.Tests.Support;

/// <summary>Where a fuzz case is sent and how it is wrapped.</summary>
internal enum FuzzTarget
{
    Grpc,
    HttpProtobuf,
    HttpJson,
}
