using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// The control record of framework.md §4: a put of <c>command</c> (and <c>args</c>) is acknowledged at once
/// (<c>Command successful</c> or <c>Ignoring invalid request ...</c>), the command runs 0.1 s later and its outcome
/// replaces <c>statusMessage</c>. Every change is posted, so monitors see the replies too (the reference only wrote
/// them into the record's memory).
/// </summary>
internal sealed class ControlRecord
{
    public static readonly string[] Commands = ["configure", "reset_stats", "get_stats", "stop"];

    private static readonly TimeSpan ExecutionDelay = TimeSpan.FromSeconds(0.1);
    private readonly Func<string, string, string> _execute;
    private readonly Lock _lock = new();
    private readonly string _name;
    private readonly PutAccessGuard _access;

    /// <param name="name">The channel name (for refusals).</param>
    /// <param name="access">Who may put.</param>
    /// <param name="idField">consumerId or collectorId.</param>
    /// <param name="id">The id.</param>
    /// <param name="execute">Runs a command with its args and returns the final status message.</param>
    public ControlRecord(string name, PutAccessGuard access, string idField, int id, Func<string, string, string> execute)
    {
        _name = name;
        _access = access;
        _execute = execute;
        var type = PvType.Builder()
            .Add(idField, ScalarType.UInt)
            .Add("objectTime", ScalarType.Double)
            .Add("objectTimestamp", NTTypes.TimeStamp)
            .Add("command", ScalarType.String)
            .Add("args", ScalarType.String)
            .Add("statusMessage", ScalarType.String)
            .Build();
        var initial = new PvValue(type);
        initial[idField].Set((long)id);
        Pv = new SharedPv(initial) { PutHandler = OnPutAsync };
    }

    public SharedPv Pv { get; }

    private ValueTask OnPutAsync(PvPutRequest request, CancellationToken cancellationToken)
    {
        _access.Check(_name, request);
        string command;
        string args;
        lock (_lock)
        {
            Pv.Post(request.Value);
            using var current = Pv.Snapshot();
            command = current["command"].GetString();
            args = current["args"].GetString();
            var valid = Commands.Contains(command);
            SetStatus(valid ? "Command successful" : $"Ignoring invalid request (unrecognized command specified): {PvJson.Format(current)}");
            if (!valid)
            {
                return ValueTask.CompletedTask;
            }
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(ExecutionDelay, CancellationToken.None).ConfigureAwait(false);
            string message;
            try
            {
                message = _execute(command, args);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                message = $"{command} failed: {e.Message}";
            }

            lock (_lock)
            {
                SetStatus(message);
            }
        }, CancellationToken.None);
        return ValueTask.CompletedTask;
    }

    private void SetStatus(string message)
    {
        using var v = new PvValue(Pv.Type!);
        var now = DateTimeOffset.UtcNow;
        v["objectTime"].Set((now - DateTimeOffset.UnixEpoch).TotalSeconds);
        v["objectTime"].MarkChanged();
        PvTimeStamp.FromDateTimeOffset(now).WriteTo(v["objectTimestamp"]);
        v["statusMessage"].Set(message);
        Pv.Post(v);
    }
}
