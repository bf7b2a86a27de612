using Epics.Pva.Data;

namespace Epics.Pva.Server;

/// <summary>
/// A PV served with a type and a current value, the simple "mailbox" case: <see cref="ServerPv.Post"/> publishes
/// changed fields to every subscriber, gets read the current value, puts go to <see cref="PutHandler"/> (by default
/// they are applied and posted), RPC calls go to <see cref="RpcHandler"/>. Made without a value, it is found by clients
/// whose requests wait for <see cref="ServerPv.Open"/> (see <see cref="ServerPv"/> for the bounds and for type changes).
/// </summary>
public sealed class SharedPv : ServerPv
{
    /// <summary>A PV that is not yet open: clients can find it and their requests wait for <see cref="ServerPv.Open"/>.</summary>
    public SharedPv()
        : base(null)
    {
    }

    /// <summary>A PV that is not yet open, holding requests within the bounds of <paramref name="options"/>.</summary>
    public SharedPv(ServerPvOptions options)
        : base(options)
    {
    }

    /// <summary>An open PV with <paramref name="initial"/> as its type and value.</summary>
    public SharedPv(PvValue initial)
        : base(null) => Open(initial);

    /// <summary>An open PV with <paramref name="initial"/> as its type and value, and <paramref name="options"/>.</summary>
    public SharedPv(PvValue initial, ServerPvOptions options)
        : base(options) => Open(initial);

    /// <summary>Handles client puts. Throw to reject (the message goes back to the client). Default: <see cref="ServerPv.Post"/>.</summary>
    public Func<PvPutRequest, CancellationToken, ValueTask>? PutHandler { get; set; }

    /// <summary>Handles RPC calls: receives the argument, returns the result (or null). Throw to answer with an error.</summary>
    public Func<PvValue, CancellationToken, ValueTask<PvValue?>>? RpcHandler { get; set; }

    /// <inheritdoc />
    protected override bool HandlesRpc => RpcHandler is not null;

    /// <inheritdoc />
    protected override ValueTask OnPutAsync(PvPutRequest request, CancellationToken cancellationToken) =>
        PutHandler is { } handler ? handler(request, cancellationToken) : base.OnPutAsync(request, cancellationToken);

    /// <inheritdoc />
    protected override ValueTask<PvValue?> OnRpcAsync(PvValue argument, CancellationToken cancellationToken) =>
        RpcHandler is { } handler ? handler(argument, cancellationToken) : base.OnRpcAsync(argument, cancellationToken);
}
