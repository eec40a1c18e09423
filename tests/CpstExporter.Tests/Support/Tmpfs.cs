namespace CpstExporter.Tests.Support;

/// <summary>
/// A small tmpfs mounted by the test (as root), for storage faults a real process meets: a full disk, a read-only file
/// system. Unmounted (lazily, so an open file of a killed process never keeps it) when disposed.
/// </summary>
internal sealed class Tmpfs : IAsyncDisposable
{
    private readonly string _parent;

    private Tmpfs(string parent, string path)
    {
        _parent = parent;
        Path = path;
    }

    public string Path { get; }

    private string Filler => System.IO.Path.Combine(Path, "filler");

    /// <summary>Why a tmpfs cannot be mounted here (not root, no permission in this container); null when it can.</summary>
    public static string? Unavailable => Probe.Value;

    private static readonly Lazy<string?> Probe = new(() =>
    {
        try
        {
            Tmpfs probe = MountAsync(64 * 1024).GetAwaiter().GetResult();
            probe.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e)
        {
            return e.Message;
        }
    });

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/>, read-only from the start when <paramref name="readOnly"/>.</summary>
    public static async Task<Tmpfs> MountAsync(long bytes, bool readOnly = false)
    {
        string parent = Directory.CreateTempSubdirectory("cpst-tmpfs-").FullName;
        string path = System.IO.Path.Combine(parent, "mnt");
        Directory.CreateDirectory(path);
        await RunAsync("mount", $"-t tmpfs -o size={bytes}{(readOnly ? ",ro" : "")} cpst-test {path}");
        return new Tmpfs(parent, path);
    }

    /// <summary>Fills the file system to its last byte: every write after this fails with ENOSPC.</summary>
    public void Fill()
    {
        using var file = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        byte[] block = new byte[4096];
        try
        {
            while (true) file.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC: full
        }
        try
        {
            while (true) file.Write(block, 0, 1);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Frees what <see cref="Fill"/> took.</summary>
    public void Free() => File.Delete(Filler);

    public Task ReadOnlyAsync() => RunAsync("mount", $"-o remount,ro {Path}");

    public Task ReadWriteAsync() => RunAsync("mount", $"-o remount,rw {Path}");

    /// <summary>
    /// Puts a read-only file system over <paramref name="directory"/>: every file created or renamed there from now on
    /// fails with EROFS, as on a disk the kernel made read-only; files already open keep their old one. (A file system
    /// cannot be remounted read-only while a process has a file open on it for writing, as the exporter does.)
    /// </summary>
    public static async Task<IAsyncDisposable> CoverReadOnlyAsync(string directory)
    {
        await RunAsync("mount", $"-t tmpfs -o size=64k,ro cpst-test-ro {directory}");
        return new Unmount(directory);
    }

    private static async Task RunAsync(string file, string arguments)
    {
        var (code, output) = await Processes.RunAsync(file, arguments, timeout: TimeSpan.FromSeconds(30));
        if (code != 0) throw new InvalidOperationException($"{file} {arguments}: exit code {code}: {output.Trim()}");
    }

    public async ValueTask DisposeAsync()
    {
        await new Unmount(Path).DisposeAsync();
        Directory.Delete(_parent, recursive: true);
    }

    private sealed class Unmount(string directory) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await RunAsync("umount", $"-l {directory}");
    }
}
