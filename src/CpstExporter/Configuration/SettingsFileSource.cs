using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace CpstExporter.Configuration;

/// <summary>
/// A watched JSON settings file (<c>appsettings.json</c>, <c>appsettings.{Environment}.json</c>, <c>Cpst:SettingsFile</c>)
/// whose broken rewrites keep its last good values: see <see cref="SettingsFileProvider"/>.
/// </summary>
internal sealed class SettingsFileSource : JsonConfigurationSource
{
    /// <summary>The same file, watched the same way, as <paramref name="source"/>.</summary>
    public static SettingsFileSource From(JsonConfigurationSource source) => new()
    {
        FileProvider = source.FileProvider,
        Path = source.Path ?? throw new ArgumentException("a JSON settings source without a path", nameof(source)),
        Optional = source.Optional,
        ReloadOnChange = source.ReloadOnChange,
        ReloadDelay = source.ReloadDelay,
        OnLoadException = source.OnLoadException,
    };

    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new SettingsFileProvider(this);
    }
}
