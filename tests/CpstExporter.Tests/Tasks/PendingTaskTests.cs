using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Xunit;

namespace CpstExporter.Tests.Tasks;

public class PendingTaskTests
{
    private static PendingTask Task() => new(new TraceId(1, 2), firstSeenMs: 1_000);

    [Fact]
    public void PrimaryModel_NoModel_IsNone()
    {
        Assert.Equal("none", Task().PrimaryModel());
    }

    [Fact]
    public void PrimaryModel_LargestCostAcrossCalls()
    {
        PendingTask task = Task();
        task.AddModelCost("a", 0.003m);
        task.AddModelCost("b", 0.002m);
        task.AddModelCost("b", 0.002m);
        task.AddModelCost("c", 0.0035m);

        Assert.Equal("b", task.PrimaryModel());
    }

    [Fact]
    public void Extras_OneModelNoTaskCost_NotMade()
    {
        PendingTask task = Task();
        task.AddModelCost("a", 0.003m);
        task.AddModelCost("a", 0.002m);
        task.TaskCostUsd = null;

        Assert.Null(task.Extras);
        Assert.Equal(0.005m, task.ModelCostUsd);
    }

    [Fact]
    public void Extras_SecondModelOrTaskCost_Made()
    {
        PendingTask twoModels = Task(), taskCost = Task();
        twoModels.AddModelCost("a", 0.003m);
        twoModels.AddModelCost("b", 0.002m);
        taskCost.TaskCostUsd = 0.5m;

        Assert.Equal(1, twoModels.OtherModels!.Count);
        Assert.Equal(new CallShare(SpanRole.Llm, "b", 1, 0, 0, 0.002m), twoModels.OtherModels[0]);
        Assert.Equal(0.5m, taskCost.TotalCostUsd);
    }

    [Fact]
    public void PrimaryModel_FirstModelStillWinsWhenLargest()
    {
        PendingTask task = Task();
        task.AddModelCost("a", 0.01m);
        task.AddModelCost("b", 0.002m);
        task.AddModelCost("c", 0.003m);

        Assert.Equal("a", task.PrimaryModel());
    }

    [Fact]
    public void PrimaryModel_EqualCost_MostCalls()
    {
        PendingTask task = Task();
        task.AddModelCost("a", 0m);
        task.AddModelCost("b", 0m);
        task.AddModelCost("b", 0m);

        Assert.Equal("b", task.PrimaryModel());
    }

    [Fact]
    public void DeadlineMs_WithoutSignal_WindowFromFirstSeen_WithSignal_SettleFromLastActivity()
    {
        PendingTask task = Task();
        task.LastActivityMs = 4_000;

        Assert.Equal(1_000 + 900_000, task.DeadlineMs(5_000, 900_000));

        task.OutcomeSource = OutcomeSource.Span;
        task.Outcome = Outcome.Success;
        Assert.Equal(4_000 + 5_000, task.DeadlineMs(5_000, 900_000));
    }

    [Fact]
    public void FinalOutcome_RootErrorOnly_IsFailure_OutcomeWins()
    {
        PendingTask task = Task();
        task.RootError = true;
        Assert.True(task.HasOutcomeSignal);
        Assert.Equal(Outcome.Failure, task.FinalOutcome());

        task.Outcome = Outcome.Success;
        Assert.Equal(Outcome.Success, task.FinalOutcome());
    }

    [Fact]
    public void TotalCostUsd_TaskCostReplacesSpanSum()
    {
        PendingTask task = Task();
        task.SpanCostUsd = 0.3m;
        Assert.Equal(0.3m, task.TotalCostUsd);

        task.TaskCostUsd = 0m;
        Assert.Equal(0m, task.TotalCostUsd);
    }
}
