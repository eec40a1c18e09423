namespace CpstExporter.LoadGen.Demo;

/// <summary>The command-line spelling of each <see cref="Scenario"/> (<c>verbose-prompt</c>, <c>agent-loops</c>…).</summary>
internal static class ScenarioNames
{
    private static readonly (Scenario Scenario, string Name)[] Names =
    [
        (Scenario.None, "none"),
        (Scenario.VerbosePrompt, "verbose-prompt"),
        (Scenario.AgentLoops, "agent-loops"),
        (Scenario.ToolStorm, "tool-storm"),
        (Scenario.CheapModel, "cheap-model"),
        (Scenario.QualityDrop, "quality-drop"),
        (Scenario.Growth, "growth"),
    ];

    public static IEnumerable<string> All => Names.Select(n => n.Name);

    public static string Name(this Scenario scenario) => Names.First(n => n.Scenario == scenario).Name;

    public static bool TryParse(string text, out Scenario scenario)
    {
        foreach (var (value, name) in Names)
        {
            if (!string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) continue;
            scenario = value;
            return true;
        }
        scenario = Scenario.None;
        return false;
    }

    /// <summary>The use case a scenario changes unless told otherwise: the one whose story it tells best.</summary>
    public static string DefaultUseCase(this Scenario scenario) => scenario switch
    {
        Scenario.AgentLoops => UseCaseProfiles.CodingAgent.Name,
        Scenario.ToolStorm => UseCaseProfiles.SearchAgent.Name,
        _ => UseCaseProfiles.SupportBot.Name,
    };
}
