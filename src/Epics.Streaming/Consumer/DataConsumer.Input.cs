using Epics.Ca;
using Epics.Pva.Server;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Streaming.Consumer.Internal;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Consumer;

// The input modes of framework.md §13.4 (a PVA or CA monitor, a hosted record, an RPC service), the receiver queue and
// the hand-over to the processing controller.
public sealed partial class DataConsumer
{
    // Before the server starts: the records the input mode hosts.
    private void HostInput(PvaServer server)
    {
        switch (Options.InputMode)
        {
            case ConsumerInputMode.Pvas:
                var initial = Processor.GetInputPvObjectType()
                    ?? throw new StreamingConfigurationException(
                        $"Input mode pvas needs the input structure, but {Processor.GetType().Name}.GetInputPvObjectType() gives none.");
                server.AddPv(Options.InputChannel, new InputRecord(Options.InputChannel, new PutAccessGuard(Options.AllowedClients, _logger), initial, Receive).Pv);
                break;
            case ConsumerInputMode.Rpc:
                server.AddPv(Options.InputChannel, new RpcInputService(ReceiveCall).Pv);
                break;
        }
    }

    // After the server starts: the monitors.
    private void StartInput()
    {
        switch (Options.InputMode)
        {
            case ConsumerInputMode.Pva:
                _logger.LogInformation("Using request string: {Request}", Request);
                _subscription = _endpoints.Client.Subscribe(Options.InputChannel, Request);
                _subscription.ConnectionChanged += OnInputConnectionChanged;
                _receiving = Task.Run(ReceiveAsync, CancellationToken.None);
                break;
            case ConsumerInputMode.Ca:
                _caSubscription = _endpoints.CaClient.Subscribe(Options.InputChannel);
                _receiving = Task.Run(ReceiveCaAsync, CancellationToken.None);
                break;
            default:
                _receiving = Task.CompletedTask;
                break;
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (await _subscription!.ReadAsync(_stopping.Token).ConfigureAwait(false) is { } update)
            {
                if (!update.Overrun.IsEmpty)
                {
                    Interlocked.Increment(ref _overruns);
                }

                if (Volatile.Read(ref _reconnectSkips) > 0 && Interlocked.Decrement(ref _reconnectSkips) >= 0)
                {
                    Interlocked.Increment(ref _received);
                    update.Value.Dispose();
                    continue;
                }

                Receive(update.Value);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is PvaException or InvalidOperationException)
        {
            _logger.LogError(e, "Input channel {Channel} failed: {Message}", Options.InputChannel, e.Message);
        }
    }

    // A monitor that starts again on a (restarted) server first gets that server's current value, as at start: skipped like
    // the initial updates (-siu), so a restarted source's placeholder is not taken for a frame. The tracker counts a
    // skipped real frame as missed when the next one arrives.
    private void OnInputConnectionChanged(PvaSubscription subscription, bool connected)
    {
        if (connected && subscription.Statistics.Connects > 1 && Options.SkipInitialUpdates > 0)
        {
            _logger.LogInformation("Input channel {Channel} connected again; skipping its first {Count} update(s)", Options.InputChannel, Options.SkipInitialUpdates);
            Volatile.Write(ref _reconnectSkips, Options.SkipInitialUpdates);
        }
        else if (!connected)
        {
            _logger.LogInformation("Input channel {Channel} disconnected; waiting for it to come back", Options.InputChannel);
        }
    }

    private async Task ReceiveCaAsync()
    {
        try
        {
            while (await _caSubscription!.ReadAsync(_stopping.Token).ConfigureAwait(false) is { } value)
            {
                Receive(value);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is CaException or InvalidOperationException)
        {
            _logger.LogError(e, "Input channel {Channel} failed: {Message}", Options.InputChannel, e.Message);
        }
    }

    // One received object (a monitor update or a put into the input record): processed now, or queued.
    private void Receive(PvValue value) => Deliver(value);

    // One RPC call's object: as Receive, but the caller hears why it was refused or failed (framework.md §13.4).
    private string? ReceiveCall(PvValue value) => Deliver(value);

    private string? Deliver(PvValue value)
    {
        Interlocked.Increment(ref _received);
        if (_stopping.IsCancellationRequested)
        {
            value.Dispose();
            return "The consumer is stopping.";
        }

        if (_queue is null)
        {
            using (value)
            {
                return Handle(value);
            }
        }

        if (!_queue.TryPut(value))
        {
            value.Dispose(); // rejected: counted by the queue
            return RpcInputService.QueueFullMessage;
        }

        return null;
    }

    private void ProcessQueue()
    {
        var accumulate = Options.AccumulateObjects;
        var quiet = TimeSpan.FromSeconds(Options.AccumulationTimeout);
        while (!_stopping.IsCancellationRequested)
        {
            // framework.md §7.4: too few objects and the input not quiet long enough: look again in a second.
            if (accumulate > 0 && _queue!.Count < accumulate && _queue.TimeSinceLastPut < quiet)
            {
                _stopping.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                continue;
            }

            if (_queue!.TryTake(TimeSpan.FromSeconds(1), out var value))
            {
                using (value)
                {
                    Handle(value);
                }
            }
        }
    }

    // Null, or what went wrong (for an RPC caller).
    private string? Handle(PvValue value)
    {
        // The controller handles one object at a time anyway; the gate keeps the watchdog's view (one call in progress)
        // true when puts into a hosted input record arrive on several threads.
        lock (_handleGate)
        {
            _watchdog?.Enter(ObjectIdOrZero(value));
            try
            {
                return HandleNow(value);
            }
            finally
            {
                _watchdog?.Exit();
            }
        }
    }

    private string? HandleNow(PvValue value)
    {
        try
        {
            return _controller.Handle(value, out var failure) || failure is null ? null : $"Error processing input PV object: {failure.Message}";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not the processor's (those are counted by the controller): an object without an id, say.
            Interlocked.Increment(ref _receiverErrors);
            lock (_loggedReceiverErrors)
            {
                if (_loggedReceiverErrors.Add(e.GetType().FullName + e.Message))
                {
                    _logger.LogError(e, "Processing error: {Message}", e.Message);
                }
            }

            return $"Error processing input PV object: {e.Message}";
        }
    }

    // For the watchdog's messages only: the controller reads (and checks) the id itself.
    private long ObjectIdOrZero(PvValue value) =>
        value.TryGetField(Options.ObjectIdField, out var f) && f.Type.Kind == TypeKind.Scalar && f.Type.ScalarType != ScalarType.String ? f.GetInt64() : 0;
}
