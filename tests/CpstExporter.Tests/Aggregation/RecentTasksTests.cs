using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Tasks;

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
    public void Add_TraceFinishedAgain_QueriesSeeOnlyTheNewerTask()
    {
        var recent = new RecentTasks(10);
        recent.Add(Task(1, "coder", 0.01m));
        recent.Add(Task(2, "coder", 0.03m));
        recent.Add(Task(1, "support", 0.02m)); // the same finish time: the one kept later is the newer

        Assert.True(recent.TryGet(new TraceId(7, 1), out TaskRecord task));
        Assert.Equal(0.02m, task.CostUsd);
        Assert.Equal([0.02m, 0.03m], recent.Where(_ => true).Select(t => t.CostUsd).Order());
        Assert.Empty(recent.Where(t => t.Labels.UseCase == "coder" && t.TraceId == new TraceId(7, 1)));
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
    public void Add_OneUseCaseFillsTheStore_NewUseCasesTakeItsOldestTasks()
    {
        var recent = new RecentTasks(10_000);
        for (int t = 0; t < 20_000; t++) recent.Add(Task(t, "coder"));
        for (int t = 0; t < 100; t++) recent.Add(Task(100_000 + t, $"uc-{t % 3}"));

        Assert.Equal(10_000, recent.Count);
        Assert.False(recent.TryGet(new TraceId(7, 10_099), out _));
        Assert.True(recent.TryGet(new TraceId(7, 10_100), out _));
        Assert.Equal(9_900, recent.Where(task => task.Labels.UseCase == "coder").Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Add_RandomTraffic_EachUseCaseKeepsItsNewestAndSharesStayEven(int seed)
    {
        const int capacity = 50;
        var random = new Random(seed);
        var recent = new RecentTasks(capacity);
        var added = new Dictionary<string, List<int>>(); // per use case, its traces newest last, each once
        for (int n = 0; n < 5_000; n++)
        {
            // Uneven traffic over five use cases.
            string useCase = $"uc-{Math.Min(random.Next(8), 4)}";
            int trace = n;
            (added.TryGetValue(useCase, out List<int>? list) ? list : added[useCase] = []).Add(trace);
            recent.Add(Task(trace, useCase));

            Assert.True(recent.TryGet(new TraceId(7, (ulong)trace), out TaskRecord kept));
            Assert.Equal(useCase, kept.Labels.UseCase);
            var held = recent.UseCases().ToDictionary(u => u, u => recent.Where(t => t.Labels.UseCase == u).Select(t => (int)t.TraceId.Low).ToHashSet());
            Assert.Equal(Math.Min(capacity, added.Values.Sum(l => l.Count)), recent.Count);
            Assert.Equal(recent.Count, held.Values.Sum(h => h.Count));
            foreach ((string name, HashSet<int> traces) in held)
                Assert.True(traces.SetEquals(added[name].TakeLast(traces.Count)), $"{name} keeps its newest tasks");
        }
        // Every use case that kept sending holds a share of the store.
        Assert.All(recent.UseCases(), u => Assert.True(recent.Where(t => t.Labels.UseCase == u).Count >= capacity / 10, u));
    }
}
