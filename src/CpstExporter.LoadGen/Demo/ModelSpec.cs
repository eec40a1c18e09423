namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// A model as an instrumentation names it. <see cref="ProviderAttribute"/> is <c>gen_ai.provider.name</c> for
/// current GenAI semantic conventions, <c>gen_ai.system</c> for instrumentations written before it was renamed;
/// the demo sends both spellings so that the exporter's reading of either is exercised.
/// </summary>
internal sealed record ModelSpec(string Name, string Provider, string ProviderAttribute = "gen_ai.provider.name", string? ServerAddress = null);
