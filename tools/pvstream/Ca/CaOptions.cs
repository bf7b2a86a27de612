using System.CommandLine;
using System.Globalization;
using Epics.Ca;
using Epics.Ca.Client;
using Microsoft.Extensions.Logging;
using Pvstream.Cli;

namespace Pvstream.Ca;

/// <summary>
/// The options every <c>pvstream ca</c> subcommand shares: <c>-w</c> (seconds, default 1 like the CA tools),
/// <c>-v</c> and <c>--debug</c> for library logs (no <c>-d</c>: that is the DBR type, as in caget). Create one per command.
/// </summary>
internal sealed class CaOptions
{
    public CaOptions(Command command)
    {
        command.Options.Add(Timeout.PositiveSeconds());
        command.Options.Add(Verbose);
        command.Options.Add(Debug);
    }

    public Option<double> Timeout { get; } = new("--timeout", "-w")
    {
        Description = "Seconds to wait for each channel to connect and for each reply (caget's -w)",
        HelpName = "seconds",
        DefaultValueFactory = _ => 1.0,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Informational log messages on stderr" };

    public Option<bool> Debug { get; } = new("--debug") { Description = "Debug log messages on stderr" };

    public TimeSpan GetTimeout(ParseResult parse) => TimeSpan.FromSeconds(parse.GetValue(Timeout));

    public ILoggerFactory CreateLoggerFactory(ParseResult parse) => LoggingOptions.Create(
        parse.GetValue(Debug) ? LogLevel.Debug : parse.GetValue(Verbose) ? LogLevel.Information : LogLevel.Warning);

    /// <summary>A client configured from EPICS_CA_*, whose channels must connect within <paramref name="timeout"/>.</summary>
    public static CaClient CreateClient(TimeSpan timeout, ILoggerFactory loggerFactory)
    {
        try
        {
            return new CaClient(CaClientOptions.FromEnvironment() with { ConnectTimeout = timeout }, loggerFactory);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Net.Sockets.SocketException)
        {
            throw new CliException($"Error: environment: {e.Message}", ExitCodes.BadInput);
        }
    }

    /// <summary>
    /// Connects <paramref name="name"/> (within the client's connect timeout) and runs one request under
    /// <paramref name="timeout"/>; CA failures become one-line <see cref="CliException"/>s.
    /// </summary>
    public static async Task<T> CallAsync<T>(
        CaClient client, string name, TimeSpan timeout, Func<CaChannelInfo, CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var info = await ConnectAsync(client, name, cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            return await request(info, cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"Timeout: {name}: no reply from {info.Server} within {Seconds(timeout)} s");
        }
        catch (Exception e) when (Describe(e) is { } error)
        {
            throw error;
        }
    }

    /// <summary>Waits for the channel; "not found" in caget's words when no server answered in time.</summary>
    public static async Task<CaChannelInfo> ConnectAsync(CaClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ConnectAsync(name, cancellationToken);
        }
        catch (Exception e) when (Describe(e) is { } error)
        {
            throw error;
        }
    }

    /// <summary>The one-line error for a CA failure, or null for anything unexpected (which then crashes loudly).</summary>
    public static CliException? Describe(Exception e) => e switch
    {
        CliException c => c,
        CaTimeoutException t => new CliException($"Channel connect timed out: '{t.Channel}' not found."),
        CaException c => new CliException($"Error: {c.Message}"),
        ArgumentException a => new CliException($"Error: {a.Message}", ExitCodes.BadInput),
        _ => null,
    };

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
