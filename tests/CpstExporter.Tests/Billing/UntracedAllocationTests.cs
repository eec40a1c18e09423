using CpstExporter.Aggregation;
using CpstExporter.Billing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Billing;

/// <summary>Untraced spend of a complete billed day goes to use cases by their traced share, exactly, once.</summary>
public sealed class UntracedAllocationTests
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(TestClock.Start.UtcDateTime); // 2026-11-02
    private static readonly DateOnly Oct31 = new(2026, 10, 31), Nov1 = new(2026, 11, 1);

    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly SupportingCostAccrual _supporting;
    private readonly BillStore _bill;
    private readonly TracedCostLedger _ledger;

    public UntracedAllocationTests()
    {
        _supporting = new SupportingCostAccrual(_clock, new Dictionary<string, UseCaseOptions>());
        _bill = new BillStore(new ReconciliationOptions(), _clock, NullLogger<BillStore>.Instance);
        _ledger = new TracedCostLedger(2000, _clock, _supporting, accrueWhenSaved: false, allocating: true, NullLogger<TracedCostLedger>.Instance);
    }

    private UntracedAllocation Allocation(bool on = true) =>
        new(new ReconciliationOptions { AllocateUntraced = on }, _bill, _ledger, _clock, NullLogger<UntracedAllocation>.Instance);

    private void Traced(string useCase, string provider, decimal usd, DateOnly day) =>
        _ledger.Record([new CountedCalls(useCase, new CountedCall(SpanRole.Llm, provider, "m", null, default, usd, false, EndDay: day), 1)]);

    private void Billed(params BilledAmount[] amounts) => _bill.Replace(new BillSnapshot(BillingSource.OpenAI, "2026-10", amounts));

    private Dictionary<(string, string), decimal> Supporting() => _supporting.Read().ToDictionary(s => (s.UseCase, s.Item), s => s.Usd);

    [Fact]
    public void Run_CompleteDay_SplitsTheRemainderByTracedShare_ToTheLastDigit()
    {
        Traced("support", "openai", 3.00m, Oct31);
        Traced("coder", "openai", 1.00m, Oct31);
        Traced("coder", "anthropic", 5m, Oct31); // another provider's cost takes no share
        Billed(new BilledAmount(Oct31, "openai", "proj_a", 7.5m), new BilledAmount(Oct31, "openai", "proj_b", 2.5m)); // 10.00 billed, 4.00 traced

        Allocation().Run();

        Assert.Equal(new Dictionary<(string, string), decimal>
        {
            [("coder", "untraced_openai")] = 1.50m,
            [("support", "untraced_openai")] = 4.50m,
        }, Supporting());
        Assert.Equal(new DayAllocation(6.00m, 0m), _ledger.AllocationOf(Oct31, "openai"));
    }

    [Fact]
    public void Split_ThreeEqualShares_PartsAddUpExactly_TheResidueToTheFirstLargest()
    {
        List<(string UseCase, decimal Usd)> parts = UntracedAllocation.Split(1.00m, [("c", 2m), ("a", 2m), ("b", 2m)], 6m);

        Assert.Equal([("a", 0.333333333334m), ("b", 0.333333333333m), ("c", 0.333333333333m)], parts);
        Assert.Equal(1.00m, parts.Sum(p => p.Usd));
    }

    [Fact]
    public void Split_UnevenShares_PartsAddUpExactly()
    {
        List<(string UseCase, decimal Usd)> parts = UntracedAllocation.Split(10m, [("a", 1m), ("b", 2m), ("c", 4m)], 7m);

        Assert.Equal([("a", 1.428571428571m), ("b", 2.857142857143m), ("c", 5.714285714286m)], parts);
        Assert.Equal(10m, parts.Sum(p => p.Usd));
    }

    [Fact]
    public void Run_Again_AllocatesNothingTwice()
    {
        Traced("support", "openai", 1m, Oct31);
        Billed(new BilledAmount(Oct31, "openai", "", 3m));
        UntracedAllocation allocation = Allocation();

        allocation.Run();
        allocation.Run();

        Assert.Equal(2m, Supporting()[("support", "untraced_openai")]);
    }

    [Fact]
    public void Run_BillRevisedUp_AccruesTheIncrease_RevisedDown_NothingUntilItPassesWhatWasAllocated()
    {
        Traced("support", "openai", 1m, Oct31);
        UntracedAllocation allocation = Allocation();
        Billed(new BilledAmount(Oct31, "openai", "", 3m));
        allocation.Run(); // 2 allocated
        Billed(new BilledAmount(Oct31, "openai", "", 3.25m));
        allocation.Run(); // +0.25
        Assert.Equal(2.25m, Supporting()[("support", "untraced_openai")]);

        Billed(new BilledAmount(Oct31, "openai", "", 2m));
        allocation.Run(); // the remainder fell to 1: a counter cannot go down
        Assert.Equal(2.25m, Supporting()[("support", "untraced_openai")]);
        Billed(new BilledAmount(Oct31, "openai", "", 3.5m));
        allocation.Run(); // 2.5 now: only what passes the 2.25 allocated
        Assert.Equal(2.5m, Supporting()[("support", "untraced_openai")]);
    }

    [Fact]
    public void Run_LateTracedCost_LowersTheRemainder_NothingAccrues()
    {
        Traced("support", "openai", 1m, Oct31);
        Billed(new BilledAmount(Oct31, "openai", "", 3m));
        UntracedAllocation allocation = Allocation();
        allocation.Run();
        Traced("coder", "openai", 1m, Oct31); // a late span of that day

        allocation.Run();

        Assert.Equal(new Dictionary<(string, string), decimal> { [("support", "untraced_openai")] = 2m }, Supporting());
    }

    [Fact]
    public void Run_DayNotYetComplete_WaitsForALaterDayOrTwoDays()
    {
        Traced("support", "openai", 1m, Nov1);
        Billed(new BilledAmount(Nov1, "openai", "", 3m)); // the latest billed day, one day old
        UntracedAllocation allocation = Allocation();

        allocation.Run();
        Assert.Empty(Supporting());

        Billed(new BilledAmount(Nov1, "openai", "", 3m), new BilledAmount(Today, "openai", "", 1m)); // today is billed: Nov 1 is complete
        allocation.Run();
        Assert.Equal(2m, Supporting()[("support", "untraced_openai")]);
    }

    [Fact]
    public void Run_NoTracedCostThatDay_GoesToNoUseCase_AndIsKeptAsUnallocated()
    {
        Traced("support", "anthropic", 1m, Oct31);
        Billed(new BilledAmount(Oct31, "openai", "", 3m));

        Allocation().Run();

        Assert.Empty(Supporting());
        Assert.Equal(new DayAllocation(3m, 3m), _ledger.AllocationOf(Oct31, "openai"));
    }

    [Fact]
    public void Run_TracedAboveBilled_AllocatesNothing()
    {
        Traced("support", "openai", 5m, Oct31);
        Billed(new BilledAmount(Oct31, "openai", "", 3m));

        Allocation().Run();

        Assert.Empty(Supporting());
    }

    [Fact]
    public void Run_DaysCompleteBeforeTheAllocationWasFirstOn_AreNotAllocated()
    {
        Traced("support", "openai", 1m, new DateOnly(2026, 10, 20));
        Traced("support", "openai", 1m, Oct31);
        Billed(new BilledAmount(new DateOnly(2026, 10, 20), "openai", "", 101m), new BilledAmount(Oct31, "openai", "", 3m));

        Allocation().Run();

        Assert.Equal(new Dictionary<(string, string), decimal> { [("support", "untraced_openai")] = 2m }, Supporting());
    }

    [Fact]
    public void Run_Off_DoesNothing()
    {
        Traced("support", "openai", 1m, Oct31);
        Billed(new BilledAmount(Oct31, "openai", "", 3m));

        Allocation(on: false).Run();

        Assert.Empty(Supporting());
        Assert.Equal(default, _ledger.AllocationOf(Oct31, "openai"));
    }
}
