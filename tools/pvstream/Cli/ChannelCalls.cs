using Epics.Pva.Client;

namespace Pvstream.Cli;

/// <summary>Runs one client operation under the <c>-w</c> timeout and names what timed out.</summary>
internal static class ChannelCalls
{
    public static async Task<T> WithTimeoutAsync<T>(
        PvaClient client, string name, TimeSpan timeout, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            return await operation(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimeoutError(client, name, timeout);
        }
    }

    public static Task WithTimeoutAsync(
        PvaClient client, string name, TimeSpan timeout, Func<CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        WithTimeoutAsync(client, name, timeout, async ct =>
        {
            await operation(ct);
            return true;
        }, cancellationToken);

    /// <summary>"channel not found" when no server answered the search, else "no reply".</summary>
    public static CliException TimeoutError(PvaClient client, string name, TimeSpan timeout)
    {
        var channel = client.GetChannel(name);
        var seconds = timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        return channel.State == PvaChannelState.Connected
            ? new CliException($"Timeout: {name}: no reply from {channel.Server} within {seconds} s")
            : new CliException($"Timeout: {name}: channel not found within {seconds} s");
    }
}
