namespace CpstExporter.Tests.Support;

/// <summary>One request of the network fuzz test: a payload, where it goes, and how it is dressed.</summary>
internal sealed record FuzzCase(FuzzTarget Target, byte[] Payload, bool Gzip, bool ClaimGzip, string? ContentType, int FrameLengthDelta, string Origin)
{
    public override string ToString() =>
        $"{Origin} → {Target} gzip={Gzip}/{ClaimGzip} type={ContentType} delta={FrameLengthDelta} payload={Convert.ToBase64String(Payload.AsSpan(0, Math.Min(Payload.Length, 512)))}";
}
