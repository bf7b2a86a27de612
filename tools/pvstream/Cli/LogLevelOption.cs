using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Pvstream.Cli;

/// <summary>
/// <c>-ll/--log-level</c> for the commands that replace pvapy tools, spelt as the reference consumer spells it (their
/// <c>-v</c> is <c>--version</c>): <c>debug</c>, <c>info</c>, <c>warning</c> (default), <c>error</c> or <c>critical</c>.
/// Log messages go to stderr, so stdout keeps the reference's lines.
/// </summary>
internal sealed class LogLevelOption
{
    private static readonly string[] Names = ["debug", "info", "warning", "error", "critical"];

    public LogLevelOption(Command command)
    {
        Option.AcceptOnlyFromAmong(Names);
        command.Options.Add(Option);
    }

    public Option<string> Option { get; } = new("--log-level", "-ll")
    {
        Description = "Log level on stderr: debug, info, warning (default), error or critical",
        DefaultValueFactory = _ => "warning",
    };

    public ILoggerFactory CreateFactory(ParseResult parse) => LoggingOptions.Create(parse.GetValue(Option) switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        _ => LogLevel.Warning,
    });
}
