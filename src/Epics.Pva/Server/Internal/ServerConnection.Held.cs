using Epics.Pva.Data;
using Epics.Pva.Protocol;

namespace Epics.Pva.Server.Internal;

// Requests that arrive while their PV has no type wait in the PV; these track them on the connection so that a
// DESTROY_REQUEST, a destroyed channel or a lost connection takes them back out.
internal sealed partial class ServerConnection
{
    // Parks a request on a PV without a type; continueWith runs when it opens (unless the client gave up meanwhile).
    private HoldResult Hold(ServerChannel channel, uint ioid, bool isMonitor, PvaCommand command, byte sub, Action continueWith)
    {
        var request = new HeldRequest(this, ioid, isMonitor,
            release: r =>
            {
                if (TakeHeld(r))
                {
                    continueWith();
                }
            },
            fail: (r, status) =>
            {
                if (TakeHeld(r))
                {
                    Reply(command, r.Ioid, sub, status);
                }
            });
        lock (_lock)
        {
            _held[ioid] = (request, channel); // before the PV sees it: an Open on another thread may release it at once
            channel.Ioids.Add(ioid);
        }

        var result = channel.Pv.TryHold(request);
        if (result != HoldResult.Held)
        {
            TakeHeld(request);
        }

        return result;
    }

    private bool TakeHeld(HeldRequest request)
    {
        lock (_lock)
        {
            if (!_held.TryGetValue(request.Ioid, out var h) || !ReferenceEquals(h.Request, request))
            {
                return false;
            }

            _held.Remove(request.Ioid);
            h.Channel.Ioids.Remove(request.Ioid);
            return !IsClosed;
        }
    }

    private static PvaStatus HeldTooMany(ServerChannel channel) =>
        PvaStatus.Error($"{channel.Name} has no type yet and {channel.Pv.Options.MaxHeldRequests} requests already wait for it");
}
