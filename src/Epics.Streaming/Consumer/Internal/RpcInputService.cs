using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// The input of <see cref="ConsumerInputMode.Rpc"/> (framework.md §13.4): an RPC service whose calls each bring one
/// object. Calls are handed on one at a time, in arrival order; each gets <c>{int status = 0}</c>, or
/// <c>{int status = -1; string errorMessage}</c> when the object is refused (queue full) or its processing fails.
/// </summary>
internal sealed class RpcInputService
{
    public const string QueueFullMessage = "Input PV object queue is full.";

    private static readonly PvType OkType = PvType.Builder().Add("status", ScalarType.Int).Build();
    private static readonly PvType ErrorType = PvType.Builder().Add("status", ScalarType.Int).Add("errorMessage", ScalarType.String).Build();
    private readonly Lock _lock = new();
    private readonly Func<PvValue, string?> _deliver;

    /// <param name="deliver">Takes each argument (and its ownership); returns null, or why the object was refused or failed.</param>
    public RpcInputService(Func<PvValue, string?> deliver)
    {
        _deliver = deliver;
        Pv = new SharedPv(Ok()) { RpcHandler = OnCallAsync };
    }

    public SharedPv Pv { get; }

    private static PvValue Ok()
    {
        var reply = new PvValue(OkType);
        reply.Root["status"].Set(0);
        return reply;
    }

    private ValueTask<PvValue?> OnCallAsync(PvValue argument, CancellationToken cancellationToken)
    {
        string? error;
        lock (_lock)
        {
            error = _deliver(argument);
        }

        if (error is null)
        {
            return ValueTask.FromResult<PvValue?>(Ok());
        }

        var reply = new PvValue(ErrorType);
        reply.Root["status"].Set(-1);
        reply.Root["errorMessage"].Set(error);
        return ValueTask.FromResult<PvValue?>(reply);
    }
}
