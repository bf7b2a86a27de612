namespace Pvstream.Cli;

/// <summary>
/// Runs the same operation on several channels concurrently and reports in argument order: a failure prints its one
/// line on stderr and the others still print. The exit code is the worst one seen.
/// </summary>
internal static class PerChannel
{
    public static async Task<int> RunAsync<T>(IReadOnlyList<string> names, Func<string, Task<T>> start, Action<string, T> print)
    {
        var tasks = names.Select(start).ToArray();
        var exit = ExitCodes.Success;
        for (var i = 0; i < tasks.Length; i++)
        {
            try
            {
                print(names[i], await tasks[i]);
            }
            catch (Exception e) when (CliRunner.Describe(e) is var (message, code))
            {
                await Console.Out.FlushAsync(CancellationToken.None);
                await Console.Error.WriteLineAsync(CliRunner.OneLine(message));
                exit = Math.Max(exit, code);
            }
        }

        return exit;
    }
}
