using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The receiving end of an Alertmanager <c>webhook_configs</c> entry: a real Kestrel listener on loopback that keeps
/// every notification posted to <c>/alerts</c>, as an on-call tool or a chat bridge would receive it.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<JsonElement> _notifications = [];

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
        _app.MapPost("/alerts", ReceiveAsync);
    }

    /// <summary>The URL to put in <c>webhook_configs[].url</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Every notification so far, in arrival order (Alertmanager's webhook JSON, version 4).</summary>
    public IReadOnlyList<JsonElement> Notifications
    {
        get { lock (_notifications) return [.. _notifications]; }
    }

    /// <summary>Every alert of every notification so far, with the notification's status.</summary>
    public IEnumerable<JsonElement> Alerts => Notifications.SelectMany(n => n.GetProperty("alerts").EnumerateArray());

    public static async Task<WebhookReceiver> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var receiver = new WebhookReceiver(builder.Build());
        await receiver._app.StartAsync();
        string address = receiver._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.Url = new Uri(new Uri(address), "/alerts");
        return receiver;
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using JsonDocument document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        lock (_notifications) _notifications.Add(document.RootElement.Clone());
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
