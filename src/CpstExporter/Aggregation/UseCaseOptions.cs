namespace CpstExporter.Aggregation;

/// <summary>FinOps settings of one use case (<c>Cpst:UseCases:&lt;name&gt;</c>).</summary>
internal sealed class UseCaseOptions
{
    /// <summary>The CPST objective in USD, exposed as <c>cpst_target_usd</c>. Default none.</summary>
    public decimal? TargetUsd { get; set; }

    /// <summary>The monthly budget in USD, exposed as <c>cpst_monthly_budget_usd</c>. Default none.</summary>
    public decimal? MonthlyBudgetUsd { get; set; }

    /// <summary>Spend no span carries (vector database, GPU reservation…), USD per month per item. Default none.</summary>
    public Dictionary<string, decimal> SupportingCosts { get; set; } = new();
}
