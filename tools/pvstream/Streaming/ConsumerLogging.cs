using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Pvstream.Streaming;

/// <summary>
/// The consumer's own log sink beside stderr (framework.md §13.5): with <c>--log-file</c>, every record that passes the
/// level goes to the file as <c>&lt;asctime&gt; &lt;loggerName&gt; &lt;LEVEL&gt;: &lt;message&gt;</c> (the exception's stack below
/// it), appended, and rotated daily: the first record of a new day renames the file to <c>&lt;file&gt;.&lt;yyyy-MM-dd&gt;</c>
/// (the day it holds) and starts a fresh one. It also tells the live table when an error is logged (§13.6: a logged
/// error ends the full-screen report).
/// </summary>
internal sealed class ConsumerLogging : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly Func<DateTime> _now;
    private StreamWriter? _writer;
    private DateTime _day;

    /// <param name="path">The log file, or null for none.</param>
    /// <param name="now">The local time (a test's clock).</param>
    public ConsumerLogging(string? path, Func<DateTime>? now = null)
    {
        _path = path is null ? null : Path.GetFullPath(path);
        _now = now ?? (() => DateTime.Now);
        if (_path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            _day = File.Exists(_path) ? File.GetLastWriteTime(_path).Date : _now().Date;
            Open();
        }
    }

    /// <summary>Raised (on the logging thread) when an error or a critical message is logged.</summary>
    public event Action? ErrorLogged;

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_lock)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    private void Open() => _writer = new StreamWriter(new FileStream(_path!, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        if (level >= LogLevel.Error)
        {
            ErrorLogged?.Invoke();
        }

        if (_path is null)
        {
            return;
        }

        lock (_lock)
        {
            if (_writer is null)
            {
                return; // disposed
            }

            var now = _now();
            if (now.Date != _day)
            {
                Rotate();
                _day = now.Date;
            }

            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{now:yyyy-MM-dd HH:mm:ss,fff} {category} {LevelName(level)}: {message}"));
            if (exception is not null)
            {
                _writer.WriteLine(exception.ToString());
            }
        }
    }

    private void Rotate()
    {
        _writer!.Dispose();
        var rotated = string.Create(CultureInfo.InvariantCulture, $"{_path}.{_day:yyyy-MM-dd}");
        try
        {
            File.Move(_path!, rotated, overwrite: true);
        }
        catch (IOException)
        {
            // Another process holds it: keep appending to the same file rather than lose records.
        }

        Open();
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    private sealed class FileLogger(ConsumerLogging sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                sink.Write(category, logLevel, formatter(state, exception), exception);
            }
        }
    }
}
