using System.Text.Json.Serialization;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// The two cost APIs' responses, read strictly: a missing <c>data</c> or <c>has_more</c>, a null where a value belongs,
/// a string where a number belongs (or the reverse), a property given twice (which of the two is meant?) fails the page
/// rather than reading as no spend. Fields the exporter does not use are skipped.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, RespectNullableAnnotations = true,
    NumberHandling = JsonNumberHandling.Strict, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(OpenAiCostPage))]
[JsonSerializable(typeof(AnthropicCostPage))]
internal sealed partial class CostApiJson : JsonSerializerContext;
