namespace CpstExporter.LoadGen.Demo;

/// <summary>How the exporter learns a task's outcome.</summary>
internal enum OutcomeDelivery
{
    /// <summary>The agent knows it at the end (tests passed, ticket resolved): <c>outcome</c> on the root span.</summary>
    OnRoot,
    /// <summary>A verdict decided later (a human review, a satisfaction survey): <c>POST /v1/outcomes</c> after a delay.</summary>
    Later,
    /// <summary>Nobody ever says: the exporter finishes the task as <c>unknown</c> at the end of the outcome window.</summary>
    Never,
}
