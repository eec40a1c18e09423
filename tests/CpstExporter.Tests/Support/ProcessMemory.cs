using System.Globalization;

namespace CpstExporter.Tests.Support;

/// <summary>A process's resident memory as the kernel counts it (<c>/proc/&lt;pid&gt;/status</c>), managed heap and all, on Linux.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS: the bytes resident now.</summary>
    public static long Resident(int pid) => Read(pid, "VmRSS:") ?? throw new InvalidOperationException($"no VmRSS in /proc/{pid}/status");

    /// <summary>VmHWM: the most bytes resident at any time so far.</summary>
    public static long Peak(int pid) => Read(pid, "VmHWM:") ?? throw new InvalidOperationException($"no VmHWM in /proc/{pid}/status");

    /// <summary>VmRSS in bytes; null where there is no /proc.</summary>
    public static long? ResidentBytes(int pid) => Read(pid, "VmRSS:");

    /// <summary>Samples VmRSS until <paramref name="stop"/> is cancelled; returns the largest seen.</summary>
    public static async Task<long> PeakWhileAsync(int pid, CancellationToken stop)
    {
        long peak = 0;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, ResidentBytes(pid) ?? 0);
            try
            {
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return Math.Max(peak, ResidentBytes(pid) ?? 0);
    }

    private static long? Read(int pid, string field)
    {
        string status = $"/proc/{pid}/status";
        if (!File.Exists(status)) return null;
        foreach (string line in File.ReadLines(status))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return null;
    }
}
