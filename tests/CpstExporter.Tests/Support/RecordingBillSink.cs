using CpstExporter.Billing;

namespace CpstExporter.Tests.Support;

/// <summary>An <see cref="IBillSink"/> that keeps every call, in order, for tests to read.</summary>
internal sealed class RecordingBillSink : IBillSink
{
    private readonly Lock _lock = new();
    private readonly List<BillSnapshot> _replaced = [];
    private readonly List<(BillingSource Source, string Reason)> _failed = [];
    private readonly List<(BillingSource Source, string Scope)> _removed = [];

    public IReadOnlyList<BillSnapshot> Replaced { get { lock (_lock) return [.. _replaced]; } }
    public IReadOnlyList<(BillingSource Source, string Reason)> Failed { get { lock (_lock) return [.. _failed]; } }
    public IReadOnlyList<(BillingSource Source, string Scope)> Removed { get { lock (_lock) return [.. _removed]; } }

    /// <summary>The last snapshot of <paramref name="scope"/>, or null.</summary>
    public BillSnapshot? Last(string scope)
    {
        lock (_lock) return _replaced.LastOrDefault(s => s.Scope == scope);
    }

    void IBillSink.Replace(BillSnapshot snapshot)
    {
        lock (_lock) _replaced.Add(snapshot);
    }

    void IBillSink.Remove(BillingSource source, string scope)
    {
        lock (_lock) _removed.Add((source, scope));
    }

    void IBillSink.Failed(BillingSource source, string reason)
    {
        lock (_lock) _failed.Add((source, reason));
    }
}
