using System.Globalization;

namespace CpstExporter.Tests.Support;

/// <summary>A process's resident memory as the kernel counts it (<c>/proc/&lt;pid&gt;/status</c>), managed heap and all.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS: the bytes resident now.</summary>
    public static long Resident(int pid) => Read(pid, "VmRSS:");

    /// <summary>VmHWM: the most bytes resident at any time so far.</summary>
    public static long Peak(int pid) => Read(pid, "VmHWM:");

    private static long Read(int pid, string field)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"no {field} in /proc/{pid}/status");
    }
}
