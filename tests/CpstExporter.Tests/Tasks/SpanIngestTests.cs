using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks;

/// <summary><see cref="SpanIngest"/>: spans merged into their tasks, which calls count (once per span id, wrappers not, under the final use case), and spans of finished tasks.</summary>
public class SpanIngestTests : TaskStageTests
{
    [Fact]
    public void Add_SpanAfterItsTaskFinished_IsLateWithTheTasksLabelsAndItsCost()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success, useCase: "support", useCaseRank: 0);
        root.Environment = "prod";
        root.Variant = "b";
        Add(assembler, (root, 0m), (Llm(1, "gpt-4o"), 0.01m));
        AdvanceAndSweep(assembler, Settle);
        TaskLabels finishedLabels = Assert.Single(Decisions.Finished).Labels;

        Add(assembler, (Llm(1, "gpt-4o-mini", input: 700, output: 30), 0.0025m), (Tool(1, "web_search"), 0.01m));

        Assert.Equal(2, Decisions.LateSpans.Count);
        Assert.All(Decisions.LateSpans, late => Assert.Equal(finishedLabels, late.Labels));
        Assert.Equal(new LateContribution(0.0025m, 1, 0, 700, 30), Decisions.LateSpans[0].Contribution);
        Assert.Equal(new LateContribution(0.01m, 0, 1, 0, 0), Decisions.LateSpans[1].Contribution);
        Assert.Equal(["support", "support", "support"], Decisions.Calls.Select(c => c.UseCase));
        Assert.Single(Decisions.Finished);
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Add_SpanAfterTheFinishedTaskIsForgotten_StartsANewTask()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));
        AdvanceAndSweep(assembler, Settle);
        AdvanceAndSweep(assembler, Window);

        Add(assembler, Child(1));

        Assert.Empty(Decisions.LateSpans);
        Assert.Equal(1, assembler.PendingCount);
    }

    [Fact]
    public void Add_CallsBeforeTheRoot_AreHeldAndCountedUnderTheRootsUseCaseWhenItArrives()
    {
        RecordingAssembler assembler = Assembler();

        Add(assembler, (Llm(1, "gpt-4o"), 0.01m), (Tool(1, "web_search"), 0.02m));
        Assert.Empty(Decisions.Calls); // the use case is not final until the root arrives

        Add(assembler, (Root(1, useCase: "support", useCaseRank: 0), 0m), (Llm(1, "gpt-4o"), 0.03m));

        Assert.Equal(["support", "support", "support"], Decisions.Calls.Select(c => c.UseCase));
        Assert.Equal([0.01m, 0.02m, 0.03m], Decisions.Calls.Select(c => c.Call.CostUsd));
        Assert.Empty(Decisions.Finished); // spend shows before the task finishes
    }

    [Fact]
    public void Add_RootAloneInALaterRequest_CountsTheHeldCalls()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Llm(1, "gpt-4o"), 0.01m));

        Add(assembler, (Root(1, useCase: "support", useCaseRank: 0), 0m));

        Assert.Equal("support", Assert.Single(Decisions.Calls).UseCase);
    }

    [Fact]
    public void Add_WrapperLaterInTheSameRequest_IsNotCountedAndItsInnerCallIs()
    {
        // The root first, then the wrapper before its inner call: all in one request, so nothing was counted yet.
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "outer", spanId: 0xA), 0.02m), (Llm(1, "inner", parent: 0xA, spanId: 0xB), 0.01m));

        Assert.Equal("inner", Assert.Single(Decisions.Calls).Call.Model);
        AdvanceAndSweep(assembler, Settle);
        Assert.Equal(0.01m, Assert.Single(Decisions.Finished).CostUsd);
    }

    [Fact]
    public void Finish_NoRootEver_CountsHeldCallsUnderTheBestUseCaseSeen()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Llm(1, "gpt-4o"), 0.01m), (Child(1, useCase: "billing", useCaseRank: 0), 0m));

        AdvanceAndSweep(assembler, Window);

        Assert.Equal("billing", Assert.Single(Decisions.Calls).UseCase);
        Assert.Equal("billing", Assert.Single(Decisions.Finished).Labels.UseCase);
        Assert.Equal(0.01m, Decisions.Finished[0].CostUsd);
    }

    [Fact]
    public void Add_OtherTasksInTheSameRequest_EachCountsUnderItsOwnUseCase()
    {
        RecordingAssembler assembler = Assembler();

        Add(assembler, (Llm(1, "gpt-4o"), 0.01m), (Root(1, useCase: "support", useCaseRank: 0), 0m),
            (Root(2, useCase: "billing", useCaseRank: 0), 0m), (Tool(2, "web_search"), 0.01m));

        Assert.Equal(["support", "billing"], Decisions.Calls.Select(c => c.UseCase));
    }

    [Fact]
    public void Add_SameSpanTwice_CountsItOnceAndTheRepeatAsDuplicate()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts llm = Llm(1, "gpt-4o");
        SpanFacts root = Root(1, Outcome.Success);

        Add(assembler, (llm, 0.01m), (root, 0m));
        Add(assembler, (llm, 0.01m), (root, 0m)); // the SDK retried the whole batch

        Assert.Equal(2, Decisions.Duplicates);
        AdvanceAndSweep(assembler, Settle);
        Assert.Equal(0.01m, Assert.Single(Decisions.Finished).CostUsd);
        Assert.Equal(1, Decisions.Finished[0].LlmCalls);
        Assert.Single(Decisions.Calls);
    }

    [Fact]
    public void Add_SameSpanAfterItsTaskFinished_IsADuplicateNotALateSpan()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts llm = Llm(1, "gpt-4o");
        Add(assembler, (llm, 0.01m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        AdvanceAndSweep(assembler, 299);
        Add(assembler, (llm, 0.01m));

        Assert.Equal(1, Decisions.Duplicates);
        Assert.Empty(Decisions.LateSpans);
        Assert.Single(Decisions.Calls);
    }

    [Fact]
    public void Add_SameSpanInOneRequest_CountsOnce()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts tool = Tool(1, "web_search");

        Add(assembler, (tool, 0.01m), (tool, 0.01m), (Root(1, Outcome.Success), 0m));

        AdvanceAndSweep(assembler, Settle);
        Assert.Equal(1, Assert.Single(Decisions.Finished).ToolCalls);
        Assert.Equal(1, Decisions.Duplicates);
    }

    [Fact]
    public void Add_TaskEvictedInTheSameRequest_ItsCallIsLateAndTheNewTaskIsNotCharged()
    {
        // At MaxPending a new trace finishes the oldest task while the request still holds one of its calls; the
        // finished task's object is reused only after the request, so the call goes to the finished task.
        RecordingAssembler assembler = Assembler(maxPending: 1);
        Add(assembler, (Root(1, useCase: "first", useCaseRank: 0), 0m));

        Add(assembler, (Llm(1, "gpt-4o"), 0.01m), (Root(2, useCase: "second", useCaseRank: 0), 0m), (Llm(1, "gpt-4o"), 0.02m));
        AdvanceAndSweep(assembler, Window);

        Assert.Equal(["first", "first"], Decisions.Calls.Select(c => c.UseCase));
        Assert.Equal(0m, Decisions.Finished.Single(t => t.Labels.UseCase == "second").CostUsd);
    }

    [Fact]
    public void Add_ManyTasksThroughTheirLifetimes_ReusedObjectsCarryNothingOver()
    {
        RecordingAssembler assembler = Assembler();
        for (int round = 0; round < 3; round++)
        {
            for (int t = 0; t < 50; t++)
            {
                int trace = round * 1000 + t;
                Add(assembler, (Llm(trace, "gpt-4o", input: 10 + t), 0.001m * (t + 1)), (Root(trace, Outcome.Success, useCase: $"uc{t % 3}", useCaseRank: 0), 0m));
            }
            AdvanceAndSweep(assembler, Settle);
        }

        Assert.Equal(150, Decisions.Finished.Count);
        foreach (TaskRecord task in Decisions.Finished)
        {
            int t = (int)(task.TraceId.Low % 1000);
            Assert.Equal($"uc{t % 3}", task.Labels.UseCase);
            Assert.Equal(0.001m * (t + 1), task.CostUsd);
            Assert.Equal(10 + t, task.InputTokens);
            Assert.Equal(1, task.LlmCalls);
        }
    }

    [Fact]
    public void Add_LlmCallOverAnLlmCall_CountsTheInnerCallOnly()
    {
        // OpenInference with LangChain and OpenAI instrumented: the LangChain LLM span wraps the OpenAI one, same usage.
        RecordingAssembler assembler = Assembler();
        SpanFacts outer = Llm(1, "gpt-4o", input: 1000, output: 200, spanId: 0xA);
        SpanFacts inner = Llm(1, "gpt-4o", input: 1000, output: 200, parent: 0xA, spanId: 0xB);

        Add(assembler, (inner, 0.0045m), (outer, 0.0045m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(1, task.LlmCalls);
        Assert.Equal(1000, task.InputTokens);
        Assert.Equal(0.0045m, task.CostUsd);
        Assert.Single(Decisions.Calls);
    }

    [Fact]
    public void Add_WrapperArrivesBeforeItsInnerCall_IsUncountedWhileHeld()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts outer = Llm(1, "gpt-4o", spanId: 0xA);
        SpanFacts inner = Llm(1, "gpt-4o", parent: 0xA, spanId: 0xB);

        Add(assembler, (outer, 0.01m));
        Add(assembler, (inner, 0.01m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(1, Assert.Single(Decisions.Finished).LlmCalls);
        Assert.Equal(0.01m, Decisions.Finished[0].CostUsd);
        Assert.Single(Decisions.Calls);
    }

    [Fact]
    public void Add_InnerCallArrivesAfterItsWrapperWasCounted_IsNotCountedAgain()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "gpt-4o", spanId: 0xA), 0.01m)); // counted at once: the root is here
        Add(assembler, (Llm(1, "gpt-4o", parent: 0xA, spanId: 0xB), 0.01m), (Llm(1, "gpt-4o", parent: 0xA, spanId: 0xC), 0.01m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(1, Assert.Single(Decisions.Finished).LlmCalls);
        Assert.Single(Decisions.Calls);
    }

    [Fact]
    public void Add_WrapperTwoLevelsUp_ThroughANonCallSpan_IsNotCounted()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts outer = Llm(1, "gpt-4o", spanId: 0xA);
        SpanFacts middle = Child(1);
        middle.SpanId = 0xB;
        middle.ParentSpanId = 0xA;
        SpanFacts inner = Llm(1, "gpt-4o", parent: 0xB, spanId: 0xC);

        Add(assembler, (inner, 0.01m), (middle, 0m), (outer, 0.01m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(1, Assert.Single(Decisions.Finished).LlmCalls);
    }

    [Fact]
    public void Add_TwoSiblingCallsUnderOneWrapper_BothCount()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Llm(1, "gpt-4o", parent: 0xA), 0.01m), (Llm(1, "gpt-4o", parent: 0xA), 0.01m),
            (Llm(1, "gpt-4o", spanId: 0xA), 0.02m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(2, Assert.Single(Decisions.Finished).LlmCalls);
        Assert.Equal(0.02m, Decisions.Finished[0].CostUsd);
    }

    [Fact]
    public void Add_DeepChainOfNestedCalls_CountsOnlyTheInnermost()
    {
        RecordingAssembler assembler = Assembler();
        const int depth = 10_000;
        // Top-down and bottom-up arrival must both stay linear: each span marks its ancestors once.
        var chain = Enumerable.Range(0, depth)
            .Select(i => (Llm(1, "gpt-4o", spanId: 0x10000 + (ulong)i, parent: i == 0 ? RootSpanId(1) : 0x10000 + (ulong)i - 1), 0.01m))
            .ToArray();
        Add(assembler, chain);
        Add(assembler, (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(1, Assert.Single(Decisions.Finished).LlmCalls);
    }
}
