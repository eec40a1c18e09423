using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks.State;

public sealed class FinishedTaskJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-journal-").FullName;
    private readonly List<(string Path, string Reason)> _failures = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StatePath => Path.Combine(_dir, "state.json");

    private FinishedTaskJournal Journal() => new(StatePath, (path, reason) => _failures.Add((path, reason)));

    private static TraceId Trace(int n) => new(0x0a0b0c0d, (ulong)n);

    private static string Line(int n) => Trace(n) + "\n";

    [Fact]
    public void Read_AppendedBatches_AllTheirIds()
    {
        using FinishedTaskJournal journal = Journal();
        journal.SwapTo(journal.OpenNext());

        journal.Append([Trace(1), Trace(2)]);
        journal.Append([Trace(3)]);

        Assert.Equal([Trace(1), Trace(2), Trace(3)], FinishedTaskJournal.Read(StatePath, from: 1).OrderBy(t => t.Low));
        Assert.Equal(Line(1) + Line(2) + "\n" + Line(3) + "\n", File.ReadAllText(StatePath + ".finished.1"));
        Assert.Empty(_failures);
    }

    [Fact]
    public void Read_BatchWithoutItsClosingLine_IsLeftOut()
    {
        // The kill came during a write: that batch's tasks never reached the metrics, so they are restored.
        File.WriteAllText(StatePath + ".finished.1", Line(1) + "\n" + Line(2) + Line(3)[..10]);

        Assert.Equal([Trace(1)], FinishedTaskJournal.Read(StatePath, from: null));
    }

    [Fact]
    public void Read_LineNotWrittenByAnAppend_LeavesOutItsBatchOnly()
    {
        File.WriteAllText(StatePath + ".finished.1", Line(1) + "not a trace id\n" + Line(2) + "\n" + Line(3) + "\n\n\n");

        Assert.Equal([Trace(3)], FinishedTaskJournal.Read(StatePath, from: null));
    }

    [Fact]
    public void Read_SegmentsBeforeTheStateFiles_AreLeftOut()
    {
        File.WriteAllText(StatePath + ".finished.4", Line(4) + "\n");
        File.WriteAllText(StatePath + ".finished.5", Line(5) + "\n");
        File.WriteAllText(StatePath + ".finished.6", Line(6) + "\n");
        File.WriteAllText(StatePath + ".finished.6.unreadable-20261102", Line(7) + "\n");

        Assert.Equal([Trace(5), Trace(6)], FinishedTaskJournal.Read(StatePath, from: 5).OrderBy(t => t.Low));
        Assert.Equal([Trace(4), Trace(5), Trace(6)], FinishedTaskJournal.Read(StatePath, from: null).OrderBy(t => t.Low));
    }

    [Fact]
    public void OpenNext_AfterSegmentsOnDisk_NumbersOnAndCommittedDeletesTheOlderOnes()
    {
        File.WriteAllText(StatePath + ".finished.7", Line(7) + "\n");
        using FinishedTaskJournal journal = Journal();

        FinishedTaskJournal.Segment next = journal.OpenNext();
        FinishedTaskJournal.Segment? previous = journal.SwapTo(next);
        journal.Committed(next);

        Assert.Null(previous);
        Assert.Equal(8, next.Number);
        Assert.Equal([(8L, StatePath + ".finished.8")], FinishedTaskJournal.Segments(StatePath));
    }

    [Fact]
    public void Append_DiskFull_IsReportedNotThrown()
    {
        if (!File.Exists("/dev/full")) return; // Linux: a device on which every write fails with ENOSPC
        using FinishedTaskJournal full = Journal();
        File.CreateSymbolicLink(StatePath + ".finished.1", "/dev/full"); // the segment it opens next
        full.SwapTo(full.OpenNext());

        full.Append([Trace(1)]);

        var (path, reason) = Assert.Single(_failures);
        Assert.Equal(StatePath + ".finished.1", path);
        Assert.Contains("space", reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Append_NoSegmentOpen_IsReported()
    {
        using FinishedTaskJournal journal = Journal();

        journal.Append([Trace(1)]);

        Assert.Single(_failures);
    }
}
