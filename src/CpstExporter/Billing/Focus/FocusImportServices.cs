using Microsoft.Extensions.DependencyInjection;

namespace CpstExporter.Billing.Focus;

/// <summary>Adds the FOCUS import to a host when <c>Cpst:Billing:Focus:Directory</c> is set.</summary>
internal static class FocusImportServices
{
    /// <summary>
    /// Registers <see cref="FocusDirectoryWatcher"/> as a hosted service when <paramref name="options"/> name a directory;
    /// it hands what it reads to the host's <see cref="IBillSink"/>, and uses its <c>ExchangeRates</c> and
    /// <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddFocusImport(this IServiceCollection services, FocusImportOptions options)
    {
        if (!options.Enabled) return services;
        services.AddSingleton(options);
        services.AddSingleton<FocusDirectoryWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<FocusDirectoryWatcher>());
        return services;
    }
}
