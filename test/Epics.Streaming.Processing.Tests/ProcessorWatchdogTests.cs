using Epics.Streaming.Consumer;
using Epics.Streaming.Consumer.Internal;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Processing.Tests;

/// <summary>The consumer's processor watchdog: a call longer than the limit is one hang, logged when seen and when it ends.</summary>
public sealed class ProcessorWatchdogTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_call_longer_than_the_limit_is_logged_once_counted_and_shown_until_it_returns()
    {
        var log = new ListLogger();
        using var watchdog = new ProcessorWatchdog(TimeSpan.FromMilliseconds(100), log);
        watchdog.Enter(7);
        watchdog.Exit(); // quick: nothing
        watchdog.Enter(42);
        await WaitUntilAsync(() => watchdog.Statistics.Hung);

        var during = watchdog.Statistics;
        Assert.Equal(1, during.Hangs);
        Assert.Equal(42, during.HungObjectId);
        Assert.True(during.HungSeconds >= 0.1, during.ToString());
        await Task.Delay(300); // the timer looks again: still one hang, one warning
        watchdog.Check();
        Assert.Equal(1, watchdog.Statistics.Hangs);
        Assert.Single(log.Lines, l => l.Contains("Processor hung", StringComparison.Ordinal));
        Assert.Contains("object 42 has run for", log.Lines[0], StringComparison.Ordinal);

        watchdog.Exit();
        var after = watchdog.Statistics;
        Assert.Equal(new ProcessorHangStatistics { Hangs = 1 }, after);
        Assert.Null(watchdog.CurrentCall);
        Assert.Contains("Processor returned from object 42 after", log.Lines[^1], StringComparison.Ordinal);
        Assert.Contains("the hang is over", log.Lines[^1], StringComparison.Ordinal);

        watchdog.Enter(43);
        await WaitUntilAsync(() => watchdog.Statistics.Hung);
        Assert.Equal(2, watchdog.Statistics.Hangs);
        Assert.Equal(43, watchdog.CurrentCall!.Value.ObjectId);
    }

    [Fact]
    public void Calls_within_the_limit_are_no_hangs()
    {
        var log = new ListLogger();
        using var watchdog = new ProcessorWatchdog(TimeSpan.FromSeconds(30), log);
        for (var i = 1; i <= 1000; i++)
        {
            watchdog.Enter(i);
            watchdog.Check();
            watchdog.Exit();
        }

        Assert.Equal(new ProcessorHangStatistics(), watchdog.Statistics);
        Assert.Empty(log.Lines);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Limit);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public List<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }
    }
}
