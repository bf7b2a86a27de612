using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// The input record of <see cref="ConsumerInputMode.Pvas"/> (framework.md §13.4): typed and initialised by the
/// processor's <c>GetInputPvObjectType</c>; each client put is applied to the record and the record's whole new value is
/// handed on, in put order. A put the handler refuses fails back to the client.
/// </summary>
internal sealed class InputRecord
{
    private readonly Lock _lock = new();
    private readonly Action<PvValue> _deliver;
    private readonly string _name;
    private readonly PutAccessGuard _access;

    /// <param name="name">The channel name (for refusals).</param>
    /// <param name="access">Who may put.</param>
    /// <param name="initial">The structure and initial value.</param>
    /// <param name="deliver">Takes each new value (and its ownership).</param>
    public InputRecord(string name, PutAccessGuard access, PvValue initial, Action<PvValue> deliver)
    {
        _name = name;
        _access = access;
        _deliver = deliver;
        Pv = new SharedPv(initial) { PutHandler = OnPutAsync };
    }

    public SharedPv Pv { get; }

    private ValueTask OnPutAsync(PvPutRequest request, CancellationToken cancellationToken)
    {
        _access.Check(_name, request);
        lock (_lock)
        {
            Pv.Post(request.Value);
            _deliver(Pv.Snapshot());
        }

        return ValueTask.CompletedTask;
    }
}
