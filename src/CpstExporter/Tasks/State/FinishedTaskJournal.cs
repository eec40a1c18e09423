using System.Buffers;
using System.Globalization;
using CpstExporter.Primitives;
using Microsoft.Win32.SafeHandles;


namespace CpstExporter.Tasks.State;

/// <summary>
/// The trace ids of tasks that finished after a checkpoint had written them to the state file, kept beside it in
/// segments <c>{StateFile}.finished.{n}</c>. A task's id is appended, and so handed to the operating system, before the
/// task reaches the metrics: a process killed after a task was counted has always recorded it, and the next start does
/// not restore that task from the last checkpoint, which would count it a second time.
/// </summary>
/// <remarks>
/// <para>A checkpoint opens the next segment as it begins, under the task lock, and every task that finishes from then on
/// is recorded there (or in a later one). The state file names the segment it began with; a start reads that one and
/// the later ones, and once the new state file is in place the older segments are deleted. So the rename of the state
/// file is also the switch from the old segments to the new one, in one atomic step, and the journal holds only ids of
/// tasks that finished since the last checkpoint began.</para>
/// <para>An append is one write of lines of 32 hex digits closed by an empty line; a start takes closed batches only, so
/// a batch cut short by the kill, whose tasks never reached the metrics, leaves them to be restored.</para>
/// <para>Only tasks that a state file on disk may hold are recorded (first seen before the latest checkpoint began, or
/// restored): most tasks live a few seconds and never meet a checkpoint, and a task in no state file cannot be restored
/// twice.</para>
/// <para>Appends reach the disk (fsync) with the next checkpoint: a power loss can lose the latest ones, a kill cannot.</para>
/// </remarks>
internal sealed class FinishedTaskJournal : IDisposable
{
    private const string Infix = ".finished.";
    private const int IdBytes = 32;
    private const int LineBytes = IdBytes + 1;

    private readonly string _stateFile;
    private readonly Action<string, string> _failed;
    private readonly Lock _lock = new();
    private Segment? _current;
    private long _lastNumber;
    private bool _closed;

    /// <param name="failed">Told the path and the reason when an append fails.</param>
    public FinishedTaskJournal(string stateFile, Action<string, string> failed)
    {
        _stateFile = Path.GetFullPath(stateFile);
        _failed = failed;
        _lastNumber = Segments(_stateFile).LastOrDefault().Number;
    }

    /// <summary>One segment file, open for appending at its end.</summary>
    internal sealed class Segment(long number, string path, SafeFileHandle file) : IDisposable
    {
        public long Number { get; } = number;
        public string Path { get; } = path;
        public SafeFileHandle File { get; } = file;
        public long Length { get; set; }

        public void Dispose() => File.Dispose();
    }

    /// <summary>The segments of <paramref name="stateFile"/> on disk, oldest first.</summary>
    public static List<(long Number, string Path)> Segments(string stateFile)
    {
        string full = Path.GetFullPath(stateFile);
        string prefix = Path.GetFileName(full) + Infix;
        var found = new List<(long Number, string Path)>();
        foreach (string path in Directory.EnumerateFiles(Path.GetDirectoryName(full)!, prefix + "*"))
            if (long.TryParse(Path.GetFileName(path).AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long number))
                found.Add((number, path));
        found.Sort();
        return found;
    }

    /// <summary>The ids of every closed batch in the segments numbered <paramref name="from"/> or later (all of them when null).</summary>
    /// <exception cref="IOException">A segment could not be read.</exception>
    public static HashSet<TraceId> Read(string stateFile, long? from)
    {
        var ids = new HashSet<TraceId>();
        foreach (var (number, path) in Segments(stateFile))
            if (from is null || number >= from) ReadSegment(path, ids);
        return ids;
    }

    private static void ReadSegment(string path, HashSet<TraceId> ids)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var batch = new List<TraceId>();
            Span<byte> line = stackalloc byte[IdBytes];
            int length = 0;
            bool broken = false;
            int read;
            while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
            {
                foreach (byte c in buffer.AsSpan(0, read))
                {
                    if (c != (byte)'\n')
                    {
                        if (length < IdBytes) line[length] = c;
                        length++;
                        continue;
                    }
                    if (length == 0)
                    {
                        if (!broken) ids.UnionWith(batch);
                        batch.Clear();
                        broken = false;
                    }
                    else if (length == IdBytes && TryParse(line, out TraceId id)) batch.Add(id);
                    else broken = true; // not written by an append: the batch is not trusted
                    length = 0;
                }
            }
            // A batch without its closing line was cut short: its tasks never reached the metrics.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryParse(ReadOnlySpan<byte> hex, out TraceId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id = default;
        if (Convert.FromHexString(hex, bytes, out _, out int written) != OperationStatus.Done || written != 16) return false;
        id = TraceId.FromBytes(bytes);
        return true;
    }

    /// <summary>Creates the segment after every one there is, empty; <see cref="SwapTo"/> makes it the one appends go to.</summary>
    /// <exception cref="IOException">It could not be created.</exception>
    public Segment OpenNext()
    {
        long number = Interlocked.Increment(ref _lastNumber);
        string path = _stateFile + Infix + number.ToString(CultureInfo.InvariantCulture);
        SafeFileHandle file = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete);
        return new Segment(number, path, file);
    }

    /// <summary>
    /// Makes <paramref name="next"/> the segment appends go to and returns the one they went to until now, which gets
    /// no more. A checkpoint calls it under the task lock as it begins, so every task finished after it began (and so
    /// perhaps written by it) is recorded in <paramref name="next"/> or later.
    /// </summary>
    public Segment? SwapTo(Segment next)
    {
        lock (_lock)
        {
            if (_closed) throw new ObjectDisposedException(nameof(FinishedTaskJournal));
            Segment? previous = _current;
            _current = next;
            return previous;
        }
    }

    /// <summary>
    /// Records that the tasks of <paramref name="finished"/> finished, in one write, before they are sent to the metrics.
    /// A failure is reported, not thrown: the tasks are counted all the same.
    /// </summary>
    public void Append(ReadOnlySpan<TraceId> finished)
    {
        if (finished.IsEmpty) return;
        int size = finished.Length * LineBytes + 1;
        byte[] bytes = ArrayPool<byte>.Shared.Rent(size);
        string? failedPath = null, reason = null;
        try
        {
            for (int i = 0; i < finished.Length; i++)
            {
                finished[i].TryFormat(bytes.AsSpan(i * LineBytes, IdBytes), out _);
                bytes[i * LineBytes + IdBytes] = (byte)'\n';
            }
            bytes[size - 1] = (byte)'\n'; // the empty line that closes the batch
            lock (_lock)
            {
                if (_closed) return;
                if (_current is not Segment segment)
                {
                    (failedPath, reason) = (_stateFile + Infix + "*", "no journal segment is open");
                    return;
                }
                try
                {
                    // At the known end, not in append mode: after a failed write the next one overwrites what it left.
                    RandomAccess.Write(segment.File, bytes.AsSpan(0, size), segment.Length);
                    segment.Length += size;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    (failedPath, reason) = (segment.Path, e.Message);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            if (failedPath is not null) _failed(failedPath, reason!);
        }
    }

    /// <summary>Puts what was appended to <paramref name="segment"/> so far on the disk.</summary>
    public static void FlushToDisk(Segment segment) => RandomAccess.FlushToDisk(segment.File);

    /// <summary>
    /// The state file that began with <paramref name="current"/> is in place: the older segments are of no use any more
    /// and are deleted.
    /// </summary>
    public void Committed(Segment current)
    {
        foreach (var (number, path) in Segments(_stateFile))
            if (number < current.Number) File.Delete(path);
    }

    /// <summary>Closes a segment that gets no more appends, with its content on disk.</summary>
    public static void Retire(Segment segment)
    {
        try
        {
            FlushToDisk(segment);
        }
        finally
        {
            segment.Dispose();
        }
    }

    /// <summary>Deletes a segment that never became the current one.</summary>
    public static void Discard(Segment segment)
    {
        segment.Dispose();
        File.Delete(segment.Path);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _closed = true;
            _current?.Dispose();
            _current = null;
        }
    }
}
