using System.IO.Pipelines;

namespace CpstExporter.Hosting;

/// <summary>A connection's transport whose input goes through <see cref="Http2ControlFrameReader"/>; the output as it was.</summary>
internal sealed class Http2CheckedTransport(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input => input;
    public PipeWriter Output => output;
}
