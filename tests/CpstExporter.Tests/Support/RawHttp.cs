using System.Net.Sockets;
using System.Text;

namespace CpstExporter.Tests.Support;

/// <summary>HTTP/1.1 written byte by byte on a socket, for what HttpClient will not do: stop sending a body half way.</summary>
internal static class RawHttp
{
    /// <summary>Sends <paramref name="head"/> and the start of a body, then reads the answer's status line and headers.</summary>
    public static async Task<string> SendHeadAsync(Uri address, string head, byte[] bodyStart)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bodyStart);
        await stream.FlushAsync();
        return await ReadHeadAsync(stream);
    }

    /// <summary>Reads an answer's status line and headers from <paramref name="stream"/>, waiting 30 s at most.</summary>
    public static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var answer = new StringBuilder();
        byte[] buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!answer.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) break;
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return answer.ToString();
    }
}
