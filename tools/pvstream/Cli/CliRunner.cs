using System.CommandLine;
using Epics.Pva;

namespace Pvstream.Cli;

/// <summary>
/// Runs a subcommand's action and turns every failure into exactly one line on stderr plus an exit code
/// (<see cref="ExitCodes"/>), so scripts can rely on "exit status != 0 and one reason".
/// </summary>
internal static class CliRunner
{
    public static void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await action(parse, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Interrupted;
            }
            catch (Exception e) when (Describe(e) is var (message, code))
            {
                await Console.Out.FlushAsync(CancellationToken.None);
                Console.Error.WriteLine(OneLine(message));
                return code;
            }
        });

    /// <summary>The message and exit code of an error the tool expects; null lets anything else crash loudly.</summary>
    public static (string Message, int Code)? Describe(Exception e) => e switch
    {
        CliException c => (c.Message, c.ExitCode),
        PvaRemoteException r => ($"Error: {r.Message}", ExitCodes.Failure),
        FormatException f => ($"Error: {f.Message}", ExitCodes.BadInput),
        ArgumentException a => ($"Error: {a.Message}", ExitCodes.BadInput),
        TimeoutException t => ($"Timeout: {t.Message}", ExitCodes.Failure),
        PvaException p => ($"Error: {p.Message}", ExitCodes.Failure),
        IOException or System.Net.Sockets.SocketException => ($"Error: {e.Message}", ExitCodes.Failure),
        _ => null,
    };

    // Server messages can span lines (pvDatabase appends the request structure); the contract is one line.
    internal static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
}
