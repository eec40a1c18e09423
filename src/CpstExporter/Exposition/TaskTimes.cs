using CpstExporter.Tasks;

namespace CpstExporter.Exposition;

/// <summary>When a finished task ran: from its earliest span start to its latest span end; when spans said neither, its finish.</summary>
internal static class TaskTimes
{
    public static DateTimeOffset Start(in TaskRecord task) =>
        task.Breakdown is { StartUnixNano: > 0 } b ? FromUnixNano(b.StartUnixNano) : End(in task);

    public static DateTimeOffset End(in TaskRecord task) =>
        task.Breakdown is { EndUnixNano: > 0 } b ? FromUnixNano(b.EndUnixNano) : task.FinishedAt;

    private static DateTimeOffset FromUnixNano(ulong nanos)
    {
        const ulong maxTicks = 2_534_023_007_999_999_999UL; // 9999-12-31, in 100 ns ticks since 1970
        ulong ticks = Math.Min(nanos / 100, maxTicks);
        return DateTimeOffset.UnixEpoch.AddTicks((long)ticks);
    }
}
