namespace CpstExporter.Tests.Support;

/// <summary>A fact that runs a Node.js client: skipped with the reason when node or the client's packages are missing locally, never in CI.</summary>
internal sealed class RequiresNodeClientFactAttribute : FactAttribute
{
    public RequiresNodeClientFactAttribute(string client)
    {
        if (NodeClients.Missing(client) is { } reason && !Binaries.InCi) Skip = reason;
    }
}
