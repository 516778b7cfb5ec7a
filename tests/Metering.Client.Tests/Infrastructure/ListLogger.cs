using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>Keeps every log line, to assert on or to print when a test fails.</summary>
public sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));

    public override string ToString() => string.Join(Environment.NewLine, Entries.Select(e => $"{e.Level} {e.EventId}: {e.Message}"));
}
