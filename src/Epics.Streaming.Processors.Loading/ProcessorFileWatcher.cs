using System.Text.Json.Nodes;
using Epics.Streaming.Processing;

namespace Epics.Streaming.Processors.Loading;

/// <summary>
/// Watches the processor files of <c>--processor-reload</c> (the <c>.cs</c> sources, folders searched again each time,
/// or the <c>.dll</c>) and loads them again when they change: once a change has held still for one look (an editor's
/// save is complete), <see cref="ProcessorLoader.Resolve"/> runs again and <see cref="Reloaded"/> gets the new factory,
/// or <see cref="ReloadFailed"/> the load error (a compile error carries the compiler's messages). It looks by polling
/// (the files' content hashes; processor files are small), which works the same on every file system.
/// </summary>
public sealed class ProcessorFileWatcher : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _files;
    private readonly string? _className;
    private readonly string? _cacheDirectory;
    private readonly TimeSpan _period;
    private readonly CancellationTokenSource _stop = new();
    private Task _watching = Task.CompletedTask;

    /// <summary>A watcher of <paramref name="files"/> for class <paramref name="className"/>, looking every <paramref name="period"/> (default 0.5 s).</summary>
    public ProcessorFileWatcher(IReadOnlyList<string> files, string? className, string? cacheDirectory = null, TimeSpan? period = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        _files = files;
        _className = className;
        _cacheDirectory = cacheDirectory;
        _period = period ?? TimeSpan.FromMilliseconds(500);
    }

    /// <summary>Raised (on the watcher's thread) with the factory of the changed processor, which loaded fine.</summary>
    public event Action<Func<JsonObject, UserDataProcessor>>? Reloaded;

    /// <summary>Raised (on the watcher's thread) when the changed files do not load; the running processor stays.</summary>
    public event Action<ProcessorLoadException>? ReloadFailed;

    /// <summary>Starts watching; what the files hold now is the baseline.</summary>
    public void Start()
    {
        var baseline = Look();
        _watching = Task.Run(() => WatchAsync(baseline), CancellationToken.None);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task WatchAsync(string loaded)
    {
        using var timer = new PeriodicTimer(_period);
        string? changed = null;
        while (await Tick(timer).ConfigureAwait(false))
        {
            var now = Look();
            if (now == loaded)
            {
                changed = null;
                continue;
            }

            if (now != changed)
            {
                changed = now; // still being written, perhaps: look again
                continue;
            }

            loaded = now;
            changed = null;
            try
            {
                var factory = ProcessorLoader.Resolve(_files, _className, _cacheDirectory);
                Reloaded?.Invoke(factory);
            }
            catch (ProcessorLoadException e)
            {
                ReloadFailed?.Invoke(e);
            }
        }
    }

    private async Task<bool> Tick(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // The files' names and content hashes as they are now (a missing or unreadable file counts as a state too).
    private string Look()
    {
        var state = new System.Text.StringBuilder();
        foreach (var path in ProcessorLoader.ExpandSources(_files))
        {
            state.Append(path).Append('|');
            try
            {
                state.Append(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                state.Append(e.GetType().Name);
            }

            state.Append('\n');
        }

        return state.ToString();
    }
}
