namespace CpstExporter.Billing;

/// <summary>
/// What one account was billed by one provider on one UTC day, in US dollars (converted where the bill is in another
/// currency). <see cref="Provider"/> is the exporter's provider name (<c>openai</c>, <c>anthropic</c>,
/// <c>aws.bedrock</c>, …), lower case; <see cref="Account"/> is the bill's account (FOCUS <c>SubAccountId</c>, an OpenAI
/// project, an Anthropic workspace), empty when the bill names none.
/// </summary>
internal readonly record struct BilledAmount(DateOnly Day, string Provider, string Account, decimal Usd);
