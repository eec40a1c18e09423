using Microsoft.Extensions.Configuration.Json;

namespace CpstExporter.Configuration;

/// <summary>
/// A JSON settings file that keeps its last good values when a rewrite of it is not JSON (a half-written file, a
/// stray comma). The framework's JSON provider would empty its values and raise no reload: the next reload of any other
/// source would then apply the settings without this file's use cases, and the broken write would go uncounted. Here
/// the values stay, the reload is raised, and <see cref="UseCaseReloader"/> takes the failure, refuses and counts it.
/// A file broken at start still stops the start.
/// </summary>
internal sealed class SettingsFileProvider(SettingsFileSource source) : JsonConfigurationProvider(source)
{
    private IDictionary<string, string?>? _lastGood;
    private string? _failure;

    public override void Load(Stream stream)
    {
        try
        {
            base.Load(stream);
            _lastGood = Data;
        }
        catch (Exception e) when (_lastGood is not null && e is not OutOfMemoryException)
        {
            Data = _lastGood;
            Interlocked.Exchange(ref _failure, $"{Source.Path}: {e.InnerException?.Message ?? e.Message}");
        }
    }

    /// <summary>Why the last rewrite was not read, once; null when it was read.</summary>
    public string? TakeFailure() => Interlocked.Exchange(ref _failure, null);
}
