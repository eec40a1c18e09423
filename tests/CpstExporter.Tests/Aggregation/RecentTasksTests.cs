using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Xunit;

namespace CpstExporter.Tests.Aggregation;

public class RecentTasksTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static TaskRecord Task(int trace, string useCase, decimal cost = 0.01m) => new(
        new TraceId(7, (ulong)trace), new TaskLabels(useCase, Outcome.Success, "gpt-4o", "none", "none"),
        cost, 1, 0, 100, 10, T0.AddSeconds(trace), FinishReason.Settled);

    [Fact]
    public void Add_PastCapacity_TheOldestGoes()
    {
        var recent = new RecentTasks(3);
        for (int t = 1; t <= 5; t++) recent.Add(Task(t, "coder"));

        Assert.Equal(3, recent.Count);
        Assert.False(recent.TryGet(new TraceId(7, 2), out _));
        Assert.True(recent.TryGet(new TraceId(7, 3), out TaskRecord kept));
        Assert.Equal("coder", kept.Labels.UseCase);
    }

    [Fact]
    public void Add_BusyUseCase_CannotPushOutAQuietOnesTasks()
    {
        var recent = new RecentTasks(100);
        for (int t = 0; t < 10; t++) recent.Add(Task(t, "support"));
        for (int t = 100; t < 10_100; t++) recent.Add(Task(t, "coder"));

        Assert.Equal(100, recent.Count);
        Assert.Equal(10, recent.Where(task => task.Labels.UseCase == "support").Count);
        Assert.Equal(90, recent.Where(task => task.Labels.UseCase == "coder").Count);
        Assert.True(recent.TryGet(new TraceId(7, 10_099), out _)); // the busy one keeps its newest
        Assert.False(recent.TryGet(new TraceId(7, 10_009), out _));
    }

    [Fact]
    public void Add_ManyUseCases_EachKeepsAnEqualShareOnceFull()
    {
        var recent = new RecentTasks(60);
        for (int t = 0; t < 6000; t++) recent.Add(Task(t, $"uc-{t % 6}"));

        Assert.Equal(60, recent.Count);
        Assert.All(recent.UseCases(), useCase => Assert.Equal(10, recent.Where(task => task.Labels.UseCase == useCase).Count));
    }

    [Fact]
    public void Add_TraceFinishedAgain_ReplacesTheEarlierTask()
    {
        var recent = new RecentTasks(10);
        recent.Add(Task(1, "coder", 0.01m));
        recent.Add(Task(1, "support", 0.02m));

        Assert.Equal(1, recent.Count);
        Assert.True(recent.TryGet(new TraceId(7, 1), out TaskRecord task));
        Assert.Equal(0.02m, task.CostUsd);
        Assert.Equal(["support"], recent.UseCases());
    }

    [Fact]
    public void Add_CapacityZero_KeepsNothing()
    {
        var recent = new RecentTasks(0);
        recent.Add(Task(1, "coder"));

        Assert.False(recent.Enabled);
        Assert.Equal(0, recent.Count);
        Assert.Empty(recent.UseCases());
    }

    [Fact]
    public void Add_OneUseCaseFillsTheStore_KeepsAFewBucketSetsNotOnePerCount()
    {
        var recent = new RecentTasks(10_000);
        for (int t = 0; t < 20_000; t++) recent.Add(Task(t, "coder"));
        for (int t = 0; t < 100; t++) recent.Add(Task(100_000 + t, $"uc-{t % 3}"));

        Assert.Equal(10_000, recent.Count);
        Assert.InRange(recent.BucketSets, 1, 8);
        Assert.Equal(9_900, recent.Where(task => task.Labels.UseCase == "coder").Count);
    }
}
