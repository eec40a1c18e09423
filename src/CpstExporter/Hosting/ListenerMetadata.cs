namespace CpstExporter.Hosting;

/// <summary>
/// Endpoint metadata: the endpoint answers only on <see cref="Listener"/> (<see cref="ListenerMatcherPolicy"/>). With
/// <see cref="ExactPath"/>, only a path spelled as the route is: routing otherwise ignores case and a trailing slash,
/// and <c>/METRICS</c> or <c>/v1/traces/</c> were never among the exporter's paths.
/// </summary>
internal sealed record ListenerMetadata(Listener Listener, bool ExactPath);
