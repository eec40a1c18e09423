namespace CpstExporter.Tests.Support;

/// <summary>A process's resident memory as the kernel counts it (<c>/proc/&lt;pid&gt;/status</c>), on Linux.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS in bytes; null where there is no /proc.</summary>
    public static long? ResidentBytes(int pid)
    {
        string status = $"/proc/{pid}/status";
        if (!File.Exists(status)) return null;
        foreach (string line in File.ReadLines(status))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return null;
    }

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
}
