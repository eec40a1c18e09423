using CpstExporter.Aggregation;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Aggregation;

public class SupportingCostAccrualTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private static Dictionary<string, UseCaseOptions> Costs(params (string UseCase, string Item, decimal Monthly)[] items)
    {
        var useCases = new Dictionary<string, UseCaseOptions>();
        foreach (var (useCase, item, monthly) in items)
        {
            if (!useCases.TryGetValue(useCase, out UseCaseOptions? options)) useCases[useCase] = options = new UseCaseOptions();
            options.SupportingCosts[item] = monthly;
        }
        return useCases;
    }

    [Fact]
    public void Read_AccruesAt730HoursAMonth()
    {
        var accrual = new SupportingCostAccrual(_clock, Costs(("support", "vector_db", 730m), ("support", "gpu", 1460m)));

        Assert.Equal([("support", "vector_db", 0m), ("support", "gpu", 0m)], accrual.Read());
        _clock.Advance(TimeSpan.FromMinutes(90));
        Assert.Equal([("support", "vector_db", 1.5m), ("support", "gpu", 3m)], accrual.Read());
        _clock.Advance(TimeSpan.FromHours(728.5));
        Assert.Equal([("support", "vector_db", 730m), ("support", "gpu", 1460m)], accrual.Read());
    }

    [Fact]
    public void Read_WallClockSteps_AccrueNothing()
    {
        var clock = new WallSteppingTimeProvider();
        var accrual = new SupportingCostAccrual(clock, Costs(("support", "vector_db", 730m)));

        clock.StepWall(TimeSpan.FromHours(5));
        Assert.Equal(0m, accrual.Read()[0].Usd);
        clock.StepWall(TimeSpan.FromHours(-10));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1m, accrual.Read()[0].Usd);
    }

    [Fact]
    public void Read_SubMillisecondSteps_LoseNothing()
    {
        var accrual = new SupportingCostAccrual(_clock, Costs(("support", "vector_db", 730m)));

        for (int i = 0; i < 36_000; i++)
        {
            _clock.Advance(TimeSpan.FromTicks(1_000_000)); // 0.1 s
            if (i % 1000 == 0) accrual.Configure(Costs(("support", "vector_db", 730m)));
        }

        Assert.Equal(1m, accrual.Read()[0].Usd); // one hour, however often it was settled
    }

    [Fact]
    public void Configure_NewRate_KeepsWhatAccruedAndGoesOnAtTheNewRate()
    {
        var accrual = new SupportingCostAccrual(_clock, Costs(("support", "vector_db", 730m)));
        _clock.Advance(TimeSpan.FromHours(2));

        accrual.Configure(Costs(("support", "vector_db", 2190m)));
        _clock.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(3.5m, accrual.Read()[0].Usd); // 2 h × $1 + 0.5 h × $3
    }

    [Fact]
    public void Configure_ItemRemoved_StaysAtWhatItAccrued()
    {
        var accrual = new SupportingCostAccrual(_clock, Costs(("support", "vector_db", 730m), ("search", "api", 730m)));
        _clock.Advance(TimeSpan.FromHours(1));

        accrual.Configure(Costs(("search", "api", 730m)));
        _clock.Advance(TimeSpan.FromHours(5));

        Assert.Equal([("support", "vector_db", 1m), ("search", "api", 6m)], accrual.Read());
    }

    [Fact]
    public void Configure_ItemAddedLater_StartsAtZero()
    {
        var accrual = new SupportingCostAccrual(_clock, Costs());
        _clock.Advance(TimeSpan.FromHours(10));

        accrual.Configure(Costs(("support", "vector_db", 730m)));
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal([("support", "vector_db", 1m)], accrual.Read());
    }
    [Fact]
    public void Read_AmountNoBudgetHas_StopsAtTheMaximum_AndLeavesOtherItemsExact()
    {
        var accrual = new SupportingCostAccrual(_clock, Costs(("support", "vector_db", 730m), ("search", "api", decimal.MaxValue)));
        decimal ceiling = decimal.MaxValue / SupportingCostAccrual.TicksPerMonth;

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal([("support", "vector_db", 1m), ("search", "api", ceiling)], accrual.Read());

        accrual.Configure(Costs(("support", "vector_db", 730m), ("search", "api", 1m))); // settles the pinned item
        _clock.Advance(TimeSpan.FromHours(1000));
        accrual.Configure(Costs(("support", "vector_db", 730m), ("search", "api", decimal.MaxValue)));
        _clock.Advance(TimeSpan.FromDays(365 * 100));

        Assert.Equal([("support", "vector_db", 730m * 24 * 365 * 100 / 730 + 1001m), ("search", "api", ceiling)], accrual.Read());
    }
}
