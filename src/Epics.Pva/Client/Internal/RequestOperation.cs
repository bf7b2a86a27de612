using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Client.Internal;

/// <summary>
/// The one-shot operations: GET, PUT, RPC (INIT then one EXEC) and GET_FIELD (one exchange). The caller awaits
/// <see cref="Completion"/>; replies arrive on the receive loop.
/// </summary>
internal sealed class RequestOperation : ClientOperation, IChannelOperation
{
    private readonly TaskCompletionSource<PvValue?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<PvType?> _init = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PvaCommand _command;

    public RequestOperation(PvaChannel channel, PvaCommand command)
    {
        Channel = channel;
        _command = command;
    }

    public PvaChannel Channel { get; }

    /// <summary>The INIT reply's type (GET/PUT), or null (RPC).</summary>
    public Task<PvType?> Initialized => _init.Task;

    /// <summary>The EXEC result: GET value, RPC result (may be null), GET_FIELD type as an empty value's type; PUT null.</summary>
    public Task<PvValue?> Completion => _result.Task;

    /// <summary>For PUT and PUT_GET: the type of the put structure, known after INIT.</summary>
    public PvType? Type { get; private set; }

    /// <summary>For PUT_GET: the type of the structure the server returns.</summary>
    public PvType? ResultType { get; private set; }

    public override void OnReply(PvaCommand command, ref PvaReader reader)
    {
        if (command != _command)
        {
            return;
        }

        try
        {
            if (command == PvaCommand.GetField)
            {
                var field = GetFieldReply.Read(ref reader);
                if (!field.Status.IsSuccess)
                {
                    Fail(field.Status);
                    return;
                }

                _result.TrySetResult(new PvValue(field.Type!));
                return;
            }

            var head = OperationReplyHead.Peek(reader);
            if ((head.Sub & SubCommand.Init) != 0)
            {
                var init = OperationInitReply.Read(ref reader, command);
                if (!init.Status.IsSuccess)
                {
                    Fail(init.Status);
                    return;
                }

                Type = init.Type;
                ResultType = init.ResultType;
                _init.TrySetResult(Type);
                return;
            }

            switch (command)
            {
                case PvaCommand.Get:
                case PvaCommand.PutGet:
                {
                    var data = DataReply.Read(ref reader, command, ResultType!);
                    if (data.Status.IsSuccess)
                    {
                        _result.TrySetResult(data.Value);
                    }
                    else
                    {
                        Fail(data.Status);
                    }

                    break;
                }

                case PvaCommand.Put:
                {
                    var status = StatusReply.Read(ref reader, command).Status;
                    if (status.IsSuccess)
                    {
                        _result.TrySetResult(null);
                    }
                    else
                    {
                        Fail(status);
                    }

                    break;
                }

                case PvaCommand.Rpc:
                {
                    var rpc = RpcReply.Read(ref reader);
                    if (rpc.Status.IsSuccess)
                    {
                        _result.TrySetResult(rpc.Result);
                    }
                    else
                    {
                        Fail(rpc.Status);
                    }

                    break;
                }

                default:
                    reader.Skip(reader.Remaining);
                    break;
            }
        }
        catch (PvaProtocolException e)
        {
            _init.TrySetException(e);
            _result.TrySetException(e);
            throw;
        }
    }

    public override void OnDisconnected(string reason)
    {
        var e = new PvaDisconnectedException($"{Channel.Name}: disconnected ({reason})");
        _init.TrySetException(e);
        _result.TrySetException(e);
        _ = _init.Task.Exception;
        _ = _result.Task.Exception;
    }

    public void Cancel(CancellationToken token)
    {
        _init.TrySetCanceled(token);
        _result.TrySetCanceled(token);
    }

    private void Fail(PvaStatus status)
    {
        var e = new PvaRemoteException(status, Channel.Name);
        _init.TrySetException(e);
        _result.TrySetException(e);
        _ = _init.Task.Exception;
        _ = _result.Task.Exception;
    }
}
