namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// The demo's tasks in time order: Poisson arrivals at the plan's rate, each task drawn from its use case's profile,
/// with the scenario's effect on the target use case from the end of the warm-up on. Every choice comes from one
/// seeded <see cref="Random"/>, and time here is the plan's own (seconds from the start), never the wall clock, so
/// a plan yields the same tasks on every run and in tests.
/// </summary>
internal sealed class DemoTraffic
{
    private readonly DemoPlan _plan;
    private readonly UseCaseProfile _target;
    private readonly ScenarioEffect _effect;
    private readonly Random _random;
    private double _now;

    public DemoTraffic(DemoPlan plan)
    {
        if (!(plan.TasksPerSecond > 0)) throw new ArgumentException("the rate of tasks must be above 0", nameof(plan));
        _plan = plan;
        _target = plan.Target;
        _effect = ScenarioEffect.Of(plan.Scenario);
        _random = new Random(plan.Seed);
    }

    public bool IsScenarioActive(double atSeconds) => _plan.Scenario != Scenario.None && atSeconds >= _plan.WarmupSeconds;

    /// <summary>Tasks per second of one use case at a moment of the plan.</summary>
    public double RateOf(UseCaseProfile profile, double atSeconds) =>
        _plan.TasksPerSecond * profile.Share * (Changes(profile, atSeconds) ? _effect.RateFactor : 1);

    public PlannedTask Next()
    {
        double total = 0;
        foreach (UseCaseProfile profile in UseCaseProfiles.All) total += RateOf(profile, _now);
        _now += -Math.Log(1 - _random.NextDouble()) / total;

        double pick = _random.NextDouble() * total;
        UseCaseProfile chosen = UseCaseProfiles.All[^1];
        foreach (UseCaseProfile profile in UseCaseProfiles.All)
        {
            pick -= RateOf(profile, _now);
            if (pick >= 0) continue;
            chosen = profile;
            break;
        }
        return new PlannedTask(_now, Shape(chosen, Changes(chosen, _now) ? _effect : ScenarioEffect.None));
    }

    private bool Changes(UseCaseProfile profile, double atSeconds) => IsScenarioActive(atSeconds) && ReferenceEquals(profile, _target);

    private TaskShape Shape(UseCaseProfile profile, ScenarioEffect effect)
    {
        ModelSpec model = effect.CheapModel ? profile.CheapModel : profile.Model;
        int llmCalls = profile.LlmCallsPerTask.Draw(_random) * effect.LlmCallsFactor;

        var tools = new List<string>();
        int primary = profile.PrimaryTool.CallsPerTask.Draw(_random) * effect.PrimaryToolFactor;
        for (int i = 0; i < primary; i++) tools.Add(profile.PrimaryTool.Name);
        foreach (ToolSpec tool in profile.OtherTools)
        {
            int count = tool.CallsPerTask.Draw(_random);
            for (int i = 0; i < count; i++) tools.Add(tool.Name);
        }

        // The agent thinks, acts, thinks again: tools fall between LLM calls, and the last LLM call writes the answer.
        if (llmCalls < 2 && tools.Count > 0)
            throw new InvalidOperationException($"{profile.Name} calls tools with a single LLM call: a model that asks for tools is called again with their results, so a task that calls tools makes two LLM calls at least");
        var calls = new List<CallShape>(llmCalls + tools.Count);
        int toolIndex = 0;
        for (int i = 0; i < llmCalls; i++)
        {
            calls.Add(LlmCall(profile, model, effect));
            int gapsLeft = llmCalls - 1 - i;
            if (gapsLeft == 0) break;
            int toolsHere = (tools.Count - toolIndex + gapsLeft - 1) / gapsLeft; // spread evenly over the gaps left
            for (int t = 0; t < toolsHere; t++) calls.Add(ToolCall(tools[toolIndex++]));
        }

        double successRatio = (effect.CheapModel ? profile.CheapModelSuccessRatio : profile.SuccessRatio) * effect.SuccessFactor;
        bool succeeded = _random.NextDouble() < successRatio;

        double delivery = _random.NextDouble();
        OutcomeDelivery how = delivery < profile.OutcomeOnRootShare ? OutcomeDelivery.OnRoot
            : delivery < profile.OutcomeOnRootShare + profile.OutcomeLaterShare ? OutcomeDelivery.Later
            : OutcomeDelivery.Never;
        double delay = how == OutcomeDelivery.Later
            ? profile.MinOutcomeDelaySeconds + _random.NextDouble() * (profile.MaxOutcomeDelaySeconds - profile.MinOutcomeDelaySeconds)
            : 0;
        string? variant = profile.Variants.Count > 0 ? profile.Variants[_random.Next(profile.Variants.Count)] : null;

        return new TaskShape
        {
            UseCase = profile,
            Variant = variant,
            Calls = calls,
            Succeeded = succeeded,
            Delivery = how,
            OutcomeDelaySeconds = delay,
            Changed = !ReferenceEquals(effect, ScenarioEffect.None),
        };
    }

    private CallShape LlmCall(UseCaseProfile profile, ModelSpec model, ScenarioEffect effect)
    {
        long input = profile.InputTokensPerCall.Draw(_random);
        long output = (long)Math.Round(profile.OutputTokensPerCall.Draw(_random) * effect.OutputTokensFactor);
        long cacheRead = _random.NextDouble() < profile.CacheHitRatio ? (long)(input * profile.CachedInputShare) : 0;
        // Time to first token plus generation at about 80 tokens a second.
        double seconds = 0.3 + _random.NextDouble() * 0.4 + output / 80.0;
        return CallShape.Llm(model, input, output, cacheRead, seconds);
    }

    private CallShape ToolCall(string tool) => CallShape.ToolCall(tool, 0.1 + _random.NextDouble() * 1.4);
}
