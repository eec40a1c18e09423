using CpstExporter.Pricing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Billing.CostApi;

/// <summary>Registers a poller for each provider whose admin key file is set; they hand what they read to the <see cref="IBillSink"/> registered.</summary>
internal static class CostApiServices
{
    public static IServiceCollection AddCostApiPollers(this IServiceCollection services, CostApiOptions options)
    {
        Add(services, new OpenAiCostApi(), options.OpenAI, options.PollInterval);
        Add(services, new AnthropicCostApi(), options.Anthropic, options.PollInterval);
        return services;
    }

    private static void Add(IServiceCollection services, ICostApi api, CostApiEndpointOptions endpoint, TimeSpan interval)
    {
        if (!endpoint.IsEnabled) return;
        services.AddHostedService(sp => new CostApiPoller(api, endpoint, interval, sp.GetRequiredService<IBillSink>(),
            sp.GetRequiredService<ExchangeRates>(), sp.GetRequiredService<TimeProvider>(), CostApiRetry.Shared,
            sp.GetRequiredService<ILogger<CostApiPoller>>()));
    }
}
