namespace CpstExporter.Tests.Support;

/// <summary>A fact that reads a process's memory from /proc: skipped with the reason where there is none (not Linux), never in CI.</summary>
internal sealed class RequiresProcFactAttribute : Xunit.FactAttribute
{
    public RequiresProcFactAttribute()
    {
        if (!Directory.Exists("/proc/self") && !Binaries.InCi)
            Skip = "reads process memory from /proc (VmRSS, VmHWM), which only Linux has; CI runs on Linux and runs this test";
    }
}
