namespace CpstExporter.Pricing;

/// <summary>A surcharge by model-id prefix (<c>regions:</c>), e.g. Bedrock's <c>eu.</c> inference profiles at 1.10.</summary>
internal sealed record RegionFactor(string Prefix, decimal Factor);
