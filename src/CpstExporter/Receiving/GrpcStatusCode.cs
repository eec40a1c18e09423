namespace CpstExporter.Receiving;

/// <summary>The gRPC status codes this service answers with.</summary>
internal static class GrpcStatusCode
{
    public const int Ok = 0;
    public const int InvalidArgument = 3;
    public const int ResourceExhausted = 8;
    public const int Unimplemented = 12;
    public const int Internal = 13;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;
}
