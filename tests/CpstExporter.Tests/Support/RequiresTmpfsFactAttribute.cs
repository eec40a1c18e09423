namespace CpstExporter.Tests.Support;

/// <summary>A fact that mounts a <see cref="Tmpfs"/>: skipped with the reason where mounting is not permitted (not root).</summary>
internal sealed class RequiresTmpfsFactAttribute : Xunit.FactAttribute
{
    public RequiresTmpfsFactAttribute()
    {
        if (Tmpfs.Unavailable is string reason) Skip = $"a tmpfs cannot be mounted here ({reason.Trim()}); CI runs as root and mounts it";
    }
}
