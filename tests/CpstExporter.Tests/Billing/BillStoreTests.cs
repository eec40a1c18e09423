using CpstExporter.Billing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Billing;

/// <summary>The bill store replaces by source and scope, never counts a cent twice, and stays bounded.</summary>
public sealed class BillStoreTests
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(TestClock.Start.UtcDateTime); // 2026-11-02
    private static readonly DateOnly Oct30 = new(2026, 10, 30), Oct31 = new(2026, 10, 31), Nov1 = new(2026, 11, 1);

    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private BillStore Store(int maxAccounts = 50) =>
        new(new ReconciliationOptions { MaxAccountsPerProvider = maxAccounts }, _clock, NullLogger<BillStore>.Instance);

    private static BillSnapshot Snapshot(BillingSource source, string scope, params BilledAmount[] amounts) => new(source, scope, amounts);

    [Fact]
    public void Replace_SameScopeAgain_ReplacesItsAmountsWhole()
    {
        BillStore store = Store();
        store.Replace(Snapshot(BillingSource.Focus, "a.csv", new BilledAmount(Oct31, "openai", "p1", 10.25m), new BilledAmount(Nov1, "openai", "p1", 3m)));
        store.Replace(Snapshot(BillingSource.Focus, "a.csv", new BilledAmount(Oct31, "openai", "p1", 10.5m)));

        Assert.Equal([new BilledAmount(Oct31, "openai", "p1", 10.5m)], store.View.Amounts);
    }

    [Fact]
    public void Replace_TwoScopesOfOneSource_AreSummedPerDayProviderAndAccount()
    {
        BillStore store = Store();
        store.Replace(Snapshot(BillingSource.Focus, "a.csv", new BilledAmount(Oct31, "aws.bedrock", "111", 1.10m)));
        store.Replace(Snapshot(BillingSource.Focus, "b.csv", new BilledAmount(Oct31, "aws.bedrock", "111", 2.05m), new BilledAmount(Oct31, "aws.bedrock", "222", 4m)));

        Assert.Equal([new BilledAmount(Oct31, "aws.bedrock", "111", 3.15m), new BilledAmount(Oct31, "aws.bedrock", "222", 4m)], store.View.Amounts);
        Assert.Equal(7.15m, store.View.Billed(Oct31, "aws.bedrock"));
    }

    [Fact]
    public void Remove_Scope_ItsAmountsStopCounting()
    {
        BillStore store = Store();
        store.Replace(Snapshot(BillingSource.Focus, "a.csv", new BilledAmount(Oct31, "openai", "", 1m)));
        store.Replace(Snapshot(BillingSource.Focus, "b.csv", new BilledAmount(Oct31, "openai", "", 2m)));
        store.Remove(BillingSource.Focus, "a.csv");

        Assert.Equal(2m, store.View.Billed(Oct31, "openai"));
    }

    /// <summary>OpenAI's costs API and a FOCUS export both bill OpenAI: the API's day wins, FOCUS fills the days the API lacks.</summary>
    [Fact]
    public void Replace_ApiAndFocusBillOneProviderAndDay_TheApiCountsAlone()
    {
        BillStore store = Store();
        store.Replace(Snapshot(BillingSource.Focus, "focus.csv",
            new BilledAmount(Oct30, "openai", "sub-1", 5m), new BilledAmount(Oct31, "openai", "sub-1", 10m), new BilledAmount(Oct31, "anthropic", "sub-1", 1m)));
        store.Replace(Snapshot(BillingSource.OpenAI, "2026-10", new BilledAmount(Oct31, "openai", "proj_a", 6m), new BilledAmount(Oct31, "openai", "proj_b", 3.5m)));

        Assert.Equal(9.5m, store.View.Billed(Oct31, "openai"));
        Assert.Equal(5m, store.View.Billed(Oct30, "openai")); // the API has no amount that day
        Assert.Equal(1m, store.View.Billed(Oct31, "anthropic")); // another provider of the file is untouched
        Assert.DoesNotContain(store.View.Amounts, a => a.Day == Oct31 && a.Account == "sub-1" && a.Provider == "openai");
    }

    [Fact]
    public void Replace_AccountsPastTheLimit_AreSummedIntoOverflow_TheTotalExact()
    {
        BillStore store = Store(maxAccounts: 2);
        store.Replace(Snapshot(BillingSource.OpenAI, "2026-11",
            new BilledAmount(Nov1, "openai", "big", 100m), new BilledAmount(Nov1, "openai", "mid", 10m), new BilledAmount(Nov1, "openai", "small", 1.5m), new BilledAmount(Nov1, "openai", "tiny", 0.25m)));

        Assert.Equal([BillingWindow.Overflow, "big", "mid"], store.View.Amounts.Select(a => a.Account).Order(StringComparer.Ordinal));
        Assert.Equal(1.75m, store.View.Amounts.Single(a => a.Account == BillingWindow.Overflow).Usd);
        Assert.Equal(111.75m, store.View.Billed(Nov1, "openai"));
    }

    [Fact]
    public void Replace_ProvidersPastTheLimit_AreSummedIntoOverflow()
    {
        BillStore store = Store();
        var amounts = Enumerable.Range(0, BillStore.MaxProviders + 3).Select(i => new BilledAmount(Nov1, $"p{i:00}", "", 100 - i)).ToArray();
        store.Replace(Snapshot(BillingSource.Focus, "many.csv", amounts));

        Assert.Equal(BillStore.MaxProviders + 1, store.View.Providers.Count);
        Assert.Equal(amounts.Sum(a => a.Usd), store.View.Amounts.Sum(a => a.Usd));
        Assert.Equal(100 - 32 + 100 - 33 + 100 - 34, store.View.Billed(Nov1, BillingWindow.Overflow));
    }

    [Fact]
    public void Replace_DaysOutsideTheKeptMonths_AreLeftOut()
    {
        BillStore store = Store();
        store.Replace(Snapshot(BillingSource.Focus, "a.csv",
            new BilledAmount(new DateOnly(2026, 8, 31), "openai", "", 1m), new BilledAmount(new DateOnly(2026, 9, 1), "openai", "", 2m), new BilledAmount(Today.AddDays(2), "openai", "", 4m)));

        Assert.Equal([new BilledAmount(new DateOnly(2026, 9, 1), "openai", "", 2m)], store.View.Amounts);
    }

    [Fact]
    public void Replace_AMonthLater_DaysThatLeftTheKeptMonthsAreGone()
    {
        BillStore store = Store();
        store.Replace(Snapshot(BillingSource.OpenAI, "2026-09", new BilledAmount(new DateOnly(2026, 9, 30), "openai", "", 1m)));
        store.Replace(Snapshot(BillingSource.OpenAI, "2026-10", new BilledAmount(Oct31, "openai", "", 2m)));
        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

        store.Replace(Snapshot(BillingSource.OpenAI, "2026-12", new BilledAmount(new DateOnly(2026, 12, 1), "openai", "", 4m)));

        Assert.Equal([Oct31, new DateOnly(2026, 12, 1)], store.View.Days("openai").ToArray());
    }

    [Fact]
    public void Replace_ProviderSpelledInCapitals_IsTheLowerCaseProvider()
    {
        BillStore store = Store();
        store.Replace(Snapshot(BillingSource.Focus, "a.csv", new BilledAmount(Oct31, "OpenAI", "x", 1m)));

        Assert.Equal("openai", Assert.Single(store.View.Amounts).Provider);
    }

    [Fact]
    public void Replace_SetsTheLastImportTime_FailedCountsAndKeepsWhatWasImported()
    {
        BillStore store = Store();
        Assert.False(store.InUse);
        store.Replace(Snapshot(BillingSource.Anthropic, "2026-11", new BilledAmount(Nov1, "anthropic", "ws", 2m)));
        store.Failed(BillingSource.Anthropic, "HTTP 500");
        store.Failed(BillingSource.Anthropic, "HTTP 500");

        Assert.True(store.InUse);
        Assert.Equal(TestClock.Start.ToUnixTimeMilliseconds(), store.LastImportMs(BillingSource.Anthropic));
        Assert.Null(store.LastImportMs(BillingSource.OpenAI));
        Assert.Equal(2, store.Failures(BillingSource.Anthropic));
        Assert.Equal(0, store.Failures(BillingSource.Focus));
        Assert.Equal(2m, store.View.Billed(Nov1, "anthropic"));
    }

    [Fact]
    public void Replace_FromManyThreadsAtOnce_EveryScopeCountsOnce()
    {
        BillStore store = Store();
        Parallel.For(0, 64, i =>
        {
            for (int round = 0; round < 5; round++)
                store.Replace(Snapshot(BillingSource.Focus, $"f{i}.csv", new BilledAmount(Oct31, "openai", $"a{i % 8}", 0.01m * (i + 1))));
        });

        Assert.Equal(Enumerable.Range(1, 64).Sum(i => 0.01m * i), store.View.Billed(Oct31, "openai"));
    }

    [Fact]
    public void View_LastBilledDayIsBeforeToday_AndADayIsCompleteOnceALaterDayIsBilledOrItIsTwoDaysOld()
    {
        BillStore store = Store();
        store.Replace(Snapshot(BillingSource.OpenAI, "2026-11", new BilledAmount(Oct30, "openai", "", 1m), new BilledAmount(Nov1, "openai", "", 1m), new BilledAmount(Today, "openai", "", 1m)));
        store.Replace(Snapshot(BillingSource.Focus, "f.csv", new BilledAmount(Nov1, "aws.bedrock", "", 1m)));
        BillView view = store.View;

        Assert.Equal(Nov1, view.LastBilledDay("openai", Today)); // today is never whole
        Assert.True(view.IsComplete(Nov1, "openai", Today)); // today is billed
        Assert.False(view.IsComplete(Nov1, "aws.bedrock", Today)); // the latest day, one day old
        Assert.True(view.IsComplete(Oct31, "aws.bedrock", Today)); // two days old
        Assert.Null(view.LastBilledDay("anthropic", Today));
    }
}
