using Microsoft.Extensions.Logging;

namespace CpstExporter.Tests.Support;

/// <summary>A logger provider that keeps every message written through it, formatted as a log would show it, with its event id and any exception.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<(EventId Event, LogLevel Level, string Text)> _entries = [];

    public IReadOnlyList<(EventId Event, LogLevel Level, string Text)> Entries { get { lock (_lock) return [.. _entries]; } }

    /// <summary>Every entry's text, exceptions included, one a line.</summary>
    public string All => string.Join('\n', Entries.Select(e => e.Text));

    public ILogger<T> For<T>() => new Logger<T>(new LoggerFactory([this]));

    public ILogger CreateLogger(string categoryName) => new Capturing(this, categoryName);

    public void Dispose() { }

    private void Add(EventId id, LogLevel level, string text)
    {
        lock (_lock) _entries.Add((id, level, text));
    }

    private sealed class Capturing(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Add(eventId, logLevel, $"{category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
    }
}
