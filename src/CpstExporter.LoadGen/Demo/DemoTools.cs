using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// The demo agents' tools, declared as a .NET agent declares them: delegates made into <see cref="AIFunction"/>s by
/// <see cref="AIFunctionFactory"/>, which Microsoft.Extensions.AI's function invocation calls when the model asks and
/// traces as <c>execute_tool</c> spans. Their work is simulated: each call takes the planned step of the task's
/// <see cref="TaskScript"/> and answers with a canned result.
/// </summary>
internal static class DemoTools
{
    private static readonly Dictionary<string, AIFunction> ByName = new AIFunction[]
    {
        AIFunctionFactory.Create(
            ([Description("What the customer asks about")] string query) => Run("file_search", $"3 help center articles match '{query}'."),
            "file_search", "Searches the help center articles and past tickets."),
        AIFunctionFactory.Create(
            ([Description("The order number")] string orderId) => Run("lookup_order", $"Order {orderId} shipped two days ago."),
            "lookup_order", "Looks up an order."),
        AIFunctionFactory.Create(
            ([Description("Path from the repository root")] string path) => Run("read_file", $"Contents of {path}."),
            "read_file", "Reads a file of the repository."),
        AIFunctionFactory.Create(
            ([Description("Tests to run, as a filter")] string filter) => Run("run_tests", $"Tests matching {filter}: all passed."),
            "run_tests", "Runs the tests of the repository."),
        AIFunctionFactory.Create(
            ([Description("The search terms")] string query) => Run("web_search", $"10 results for '{query}'."),
            "web_search", "Searches the web."),
        AIFunctionFactory.Create(
            ([Description("The page's URL")] string url) => Run("fetch_page", $"Text of {url}."),
            "fetch_page", "Fetches a web page as text."),
    }.ToDictionary(tool => tool.Name, StringComparer.Ordinal);

    /// <summary>The tools a use case's agent offers its model: its primary tool, then the others.</summary>
    public static AITool[] Of(UseCaseProfile profile) =>
        [.. new[] { profile.PrimaryTool }.Concat(profile.OtherTools).Select(spec => Get(spec.Name))];

    public static AIFunction Get(string name) =>
        ByName.TryGetValue(name, out AIFunction? tool) ? tool
            : throw new ArgumentException($"the demo has no tool '{name}'; it has {string.Join(", ", ByName.Keys)}", nameof(name));

    /// <summary>The call's step of the task: the function invocation that runs the tool carries the request's options.</summary>
    private static string Run(string tool, string result)
    {
        TaskScript.Of(FunctionInvokingChatClient.CurrentContext?.Options).TakeToolCall(tool);
        return result;
    }
}
