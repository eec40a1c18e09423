using System.Reflection;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Tasks;

namespace CpstExporter.Tests.Tasks;

public class PendingTaskPoolTests
{
    /// <summary>Every field of a task, as text, so a field a reset forgot shows by name.</summary>
    private static Dictionary<string, string?> Fields(PendingTask task) =>
        typeof(PendingTask).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            // The extras object is kept, emptied, for reuse: what it holds is compared through the task's properties.
            .Where(f => f.Name != "<Spans>k__BackingField" && f.FieldType != typeof(SpanTable) && f.FieldType != typeof(PendingTaskExtras))
            .ToDictionary(f => f.Name, f => f.GetValue(task) switch
            {
                null => null,
                PendingTask other => other.TraceId.ToString(),
                var value => value.ToString(),
            });

    [Fact]
    public void Rent_AfterAUsedTaskCameBack_IsIndistinguishableFromANewTask()
    {
        var pool = new PendingTaskPool();
        PendingTask used = pool.Rent(new TraceId(1, 1), 1_000, spans: 3);
        // Everything a task can hold, set to something other than a new task's value.
        used.LastActivityMs = 9; used.Phase = PendingPhase.Settling; used.UseCase = "u"; used.UseCaseRank = 0;
        used.UseCaseFinal = used.CallsCounted = used.EnvironmentFromRoot = used.VariantFromRoot = used.RootError = true;
        used.Environment = "e"; used.Variant = "v"; used.Outcome = Outcome.Failure; used.OutcomeSource = OutcomeSource.Api;
        used.OutcomeSpanEnd = 5; used.SpanCostUsd = 1m; used.LlmCalls = used.ToolCalls = 2; used.InputTokens = used.OutputTokens = 3;
        used.AddModelCost("a", 1m);
        used.AddModelCost("b", 2m);
        used.AddToolShare("search", 0.01m);
        used.AddToolShare("fetch", 0.02m);
        used.ToolCostUsd = 0.03m; used.CacheReadTokens = used.CacheWriteTokens = used.ReasoningTokens = 4;
        used.Covers(100, 200);
        used.TaskCostUsd = 4m;
        used.Held = new HeldCalls();
        used.Held.Hold(default, 1, tracked: false);
        used.Older = used.Newer = new PendingTask(new TraceId(9, 9), 0);
        used.Spans.TryArrive(7, 0, out _);
        pool.Return(used);

        PendingTask reused = pool.Rent(new TraceId(2, 2), 2_000, spans: 3);

        Assert.Same(used, reused);
        Assert.Equal(Fields(new PendingTask(new TraceId(2, 2), 2_000)), Fields(reused));
        Assert.Null(reused.TaskCostUsd);
        Assert.Null(reused.OtherModels);
        Assert.Null(reused.OtherTools);
        Assert.Null(reused.Held);
        Assert.Equal(new PendingTask(new TraceId(2, 2), 2_000).Breakdown(), reused.Breakdown());
        Assert.Equal(0, reused.Spans.Count);
        Assert.Equal(-1, reused.Spans.IndexOf(7));
    }

    [Fact]
    public void Return_PastTheBound_KeepsNoMore()
    {
        var pool = new PendingTaskPool();
        for (int i = 0; i < PendingTaskPool.MaxTasks + 10; i++) pool.Return(new PendingTask(default, 0));

        Assert.Equal(PendingTaskPool.MaxTasks, pool.PooledTasks);
    }
}
