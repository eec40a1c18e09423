namespace CpstExporter.Primitives;

/// <summary>
/// The configurations reloaded while the service runs, by the <c>config</c> label value of
/// <c>cpst_config_reload_failures_total</c> and of the <c>cpst.reload</c> spans: spelled once, here, for the reloaders
/// and the <c>/metrics</c> writer.
/// </summary>
internal static class ReloadedConfig
{
    /// <summary>The price table files (<c>Cpst:Pricing:Files</c>).</summary>
    public const string Pricing = "pricing";

    /// <summary>The use case settings (<c>Cpst:UseCases</c>).</summary>
    public const string UseCases = "use_cases";
}
