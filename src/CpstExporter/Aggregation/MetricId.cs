namespace CpstExporter.Aggregation;

/// <summary>
/// Every metric family the exporter writes under the names docs/reference.md lists ("Metrics"), in the order <c>/metrics</c> writes them.
/// The name, type, help and labels of each are in <see cref="MetricCatalogue"/>, once.
/// </summary>
internal enum MetricId
{
    Tasks,
    TaskCost,
    TaskLlmCalls,
    TaskToolCalls,
    TaskTokens,
    CostPerTask,
    LlmCalls,
    LlmTokens,
    LlmCost,
    UnpricedLlmCalls,
    LlmCostByBasis,
    LlmCallsByBasis,
    UnpricedServiceTierCalls,
    ToolCalls,
    ToolCost,
    SupportingCost,
    Target,
    MonthlyBudget,
    SpikeFactor,
    MinTasksPerHour,
    PendingTasks,
    ReceivedSpans,
    RejectedSpans,
    RejectedRequests,
    IgnoredAttributes,
    LateSpans,
    LateOutcomes,
    EvictedTasks,
    DroppedOutcomes,
    DuplicateSpans,
    EarlyCountedCalls,
    StateSaveFailures,
    SeriesOverflow,
    BuildInfo,
    PricingInfo,
    ConfigReloadFailures,
    ProcessCpuSeconds,
    ProcessResidentMemory,
    ProcessStartTime,
}
