namespace CpstExporter.Tests.Support;

/// <summary>
/// How the server ended a raw HTTP/2 connection: the error code of its GOAWAY frame if it sent one (0 is
/// NO_ERROR, 1 PROTOCOL_ERROR, 11 ENHANCE_YOUR_CALM…), and whether the socket was then closed or reset.
/// </summary>
internal sealed record Http2Closing(int? GoAwayError, bool Reset, long BytesRead)
{
    public override string ToString() => $"GOAWAY {(GoAwayError is int e ? e.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}, {(Reset ? "reset" : "closed")} after {BytesRead} bytes";
}
