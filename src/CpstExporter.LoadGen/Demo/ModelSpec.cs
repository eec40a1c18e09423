namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// A model as its chat client describes itself (<c>ChatClientMetadata</c>): the model id, the provider name that
/// Microsoft.Extensions.AI's instrumentation reports as <c>gen_ai.provider.name</c>, and the API's host.
/// </summary>
internal sealed record ModelSpec(string Name, string Provider, string ServerAddress);
