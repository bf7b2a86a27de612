using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Pvstream.Cli;

/// <summary>
/// <c>-v</c> / <c>-d</c>: how much the libraries log. Logs always go to stderr so that stdout stays the data; the
/// default shows warnings and errors only.
/// </summary>
internal sealed class LoggingOptions
{
    public LoggingOptions(Command command)
    {
        command.Options.Add(Verbose);
        command.Options.Add(Debug);
    }

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "More output: informational log messages (and for get/monitor/call the whole structure, like pvget -v)",
    };

    public Option<bool> Debug { get; } = new("--debug", "-d") { Description = "Debug log messages on stderr" };

    public LogLevel Level(ParseResult parse) =>
        parse.GetValue(Debug) ? LogLevel.Debug : parse.GetValue(Verbose) ? LogLevel.Information : LogLevel.Warning;

    public ILoggerFactory CreateFactory(ParseResult parse) => Create(Level(parse));

    public static ILoggerFactory Create(LogLevel level) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(level);
        b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
    });
}
