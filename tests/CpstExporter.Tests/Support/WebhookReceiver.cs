using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The receiving end of an Alertmanager <c>webhook_configs</c> entry: a real Kestrel listener on loopback that keeps
/// every notification posted to <c>/alerts</c>, as an on-call tool or a chat bridge would receive it.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private LoopbackApp _app = null!;
    private readonly List<JsonElement> _notifications = [];

    /// <summary>The URL to put in <c>webhook_configs[].url</c>.</summary>
    public Uri Url => new(_app.Address, "/alerts");

    /// <summary>Every notification so far, in arrival order (Alertmanager's webhook JSON, version 4).</summary>
    public IReadOnlyList<JsonElement> Notifications
    {
        get { lock (_notifications) return [.. _notifications]; }
    }

    /// <summary>Every alert of every notification so far, with the notification's status.</summary>
    public IEnumerable<JsonElement> Alerts => Notifications.SelectMany(n => n.GetProperty("alerts").EnumerateArray());

    public static async Task<WebhookReceiver> StartAsync()
    {
        var server = new WebhookReceiver();
        server._app = await LoopbackApp.StartAsync(app => app.MapPost("/alerts", server.ReceiveAsync));
        return server;
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using JsonDocument document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        lock (_notifications) _notifications.Add(document.RootElement.Clone());
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
