using CpstExporter.Billing;

namespace CpstExporter.Tests.Support;

/// <summary>
/// An <see cref="IBillSink"/> that remembers every call, and what it would hold: each source's scopes, replaced whole and
/// removed, as the bill store keeps them. Safe to call from several threads.
/// </summary>
internal sealed class RecordingBillSink : IBillSink
{
    private readonly Lock _lock = new();
    private readonly List<BillSnapshot> _replaced = [];
    private readonly List<(BillingSource Source, string Scope)> _removed = [];
    private readonly List<(BillingSource Source, string Reason)> _failures = [];
    private readonly Dictionary<(BillingSource, string), BillSnapshot> _held = [];

    public void Replace(BillSnapshot snapshot)
    {
        lock (_lock)
        {
            _replaced.Add(snapshot);
            _held[(snapshot.Source, snapshot.Scope)] = snapshot;
        }
    }

    public void Remove(BillingSource source, string scope)
    {
        lock (_lock)
        {
            _removed.Add((source, scope));
            _held.Remove((source, scope));
        }
    }

    public void Failed(BillingSource source, string reason)
    {
        lock (_lock) _failures.Add((source, reason));
    }

    public BillSnapshot[] Replaced
    {
        get { lock (_lock) return [.. _replaced]; }
    }

    public (BillingSource Source, string Scope)[] Removed
    {
        get { lock (_lock) return [.. _removed]; }
    }

    public (BillingSource Source, string Reason)[] Failures
    {
        get { lock (_lock) return [.. _failures]; }
    }

    /// <summary>The last snapshot of <paramref name="scope"/> from any source, or null.</summary>
    public BillSnapshot? Last(string scope)
    {
        lock (_lock) return _replaced.LastOrDefault(s => s.Scope == scope);
    }

    /// <summary>The snapshot held for a scope now, or null.</summary>
    public BillSnapshot? Held(BillingSource source, string scope)
    {
        lock (_lock) return _held.GetValueOrDefault((source, scope));
    }

    /// <summary>Every amount held now, as "day provider account usd" lines in order, for whole-bill comparisons.</summary>
    public string[] HeldAmounts()
    {
        lock (_lock)
            return [.. _held.Values.SelectMany(s => s.Amounts).Select(BillLines.Line).Order(StringComparer.Ordinal)];
    }
}
