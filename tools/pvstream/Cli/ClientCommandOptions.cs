using System.CommandLine;
using Epics.Pva.Client;
using Microsoft.Extensions.Logging;

namespace Pvstream.Cli;

/// <summary>
/// The options every client subcommand shares, named as in pvget/pvxget: <c>-w</c> timeout, <c>-r</c> pvRequest,
/// <c>-M</c> output mode, <c>--array-limit</c>, <c>-v</c>/<c>-d</c>. Create one per command.
/// </summary>
internal sealed class ClientCommandOptions
{
    public ClientCommandOptions(Command command, bool request = true, bool mode = true)
    {
        command.Options.Add(Timeout.PositiveSeconds());
        if (request)
        {
            command.Options.Add(Request);
        }

        if (mode)
        {
            command.Options.Add(Mode);
            command.Options.Add(ArrayLimit);
        }

        Logging = new LoggingOptions(command);
    }

    public Option<double> Timeout { get; } = new("--timeout", "-w")
    {
        Description = "Seconds to wait for the channel and each reply",
        HelpName = "seconds",
        DefaultValueFactory = _ => 5.0,
    };

    public Option<string?> Request { get; } = new("--request", "-r")
    {
        Description = "pvRequest, e.g. 'field(value,alarm)' or 'record[queueSize=8,pipeline=true]field()'",
    };

    public Option<OutputMode?> Mode { get; } = new("--mode", "-M")
    {
        HelpName = "nt|raw|json|delta",
        Description = "Output: nt (pvget default), raw (whole structure), json, delta (pvxget style)",
        CustomParser = r => r.Tokens.Count == 0 ? null : r.Tokens[0].Value.ToLowerInvariant() switch
        {
            "nt" => OutputMode.Nt,
            "raw" => OutputMode.Raw,
            "json" => OutputMode.Json,
            "delta" or "pvx" => OutputMode.Delta,
            var other => Fail(r, other),
        },
    };

    public Option<int?> ArrayLimit { get; } = new("--array-limit")
    {
        HelpName = "N",
        Description = $"Print at most N array elements (0 = all; default: all, images {ValueText.ImageSummaryLimit})",
    };

    public LoggingOptions Logging { get; }

    public TimeSpan GetTimeout(ParseResult parse) => TimeSpan.FromSeconds(parse.GetValue(Timeout));

    public string? GetRequest(ParseResult parse) => parse.GetValue(Request);

    /// <summary>The printer: <c>-M</c>, else raw with <c>-v</c> (as pvget), else nt.</summary>
    public ValueText GetText(ParseResult parse) => new(
        parse.GetValue(Mode) ?? (parse.GetValue(Logging.Verbose) ? OutputMode.Raw : OutputMode.Nt),
        parse.GetValue(ArrayLimit));

    /// <summary>A client configured from the EPICS_PVA_* environment, logging as <c>-v</c>/<c>-d</c> ask.</summary>
    public static PvaClient CreateClient(ILoggerFactory loggerFactory) => new(EpicsEnvironment.ClientOptions(loggerFactory));

    private static OutputMode? Fail(System.CommandLine.Parsing.ArgumentResult r, string text)
    {
        r.AddError($"-M must be nt, raw, json or delta, not '{text}'");
        return null;
    }
}
