using System.Globalization;
using Epics.Pva.Client.Internal;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Client;

public sealed partial class PvaClient
{
    /// <summary>
    /// Reads <paramref name="name"/>. <paramref name="request"/> is a pvRequest in text form (<c>field(value,alarm)</c>)
    /// or null for everything. Fields the server did not send are not marked in <see cref="PvValue.Changed"/>.
    /// </summary>
    public Task<PvValue> GetAsync(string name, string? request = null, CancellationToken cancellationToken = default) =>
        GetAsync(name, PvRequestText(request), cancellationToken);

    /// <summary>Reads <paramref name="name"/> with a pvRequest built in code.</summary>
    public async Task<PvValue> GetAsync(string name, PvValue request, CancellationToken cancellationToken = default)
    {
        var channel = GetChannel(name);
        var result = await RunAsync(channel, PvaCommand.Get, request, static (op, conn, sid) =>
            conn.SendMessage(new OperationRequest(PvaCommand.Get, sid, op.Ioid, SubCommand.Execute)), cancellationToken).ConfigureAwait(false);
        return result!;
    }

    /// <summary>
    /// Writes to <paramref name="name"/>: <paramref name="fill"/> receives a value of the server's put type and sets the
    /// fields to write (setting a field marks it; only marked fields are sent).
    /// </summary>
    public async Task PutAsync(string name, Action<PvValue> fill, string? request = null, CancellationToken cancellationToken = default)
    {
        var channel = GetChannel(name);
        await RunAsync(channel, PvaCommand.Put, PvRequestText(request), (op, conn, sid) =>
        {
            var value = new PvValue(op.Type!);
            fill(value);
            if (value.Changed.IsEmpty)
            {
                throw new ArgumentException("the put sets no field");
            }

            conn.SendMessage(new PutRequest(PvaCommand.Put, sid, op.Ioid, SubCommand.Execute, value));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// PUT_GET (pvAccessCPP/pvDatabase servers only; pvxs servers ignore it, so bound the wait with the token): writes
    /// what <paramref name="fill"/> sets and returns what the server reads back in the same operation.
    /// </summary>
    public async Task<PvValue> PutGetAsync(string name, Action<PvValue> fill, string? request = null, CancellationToken cancellationToken = default)
    {
        var channel = GetChannel(name);
        var result = await RunAsync(channel, PvaCommand.PutGet, PvRequestText(request), (op, conn, sid) =>
        {
            var value = new PvValue(op.Type!);
            fill(value);
            conn.SendMessage(new PutRequest(PvaCommand.PutGet, sid, op.Ioid, SubCommand.Execute, value));
        }, cancellationToken).ConfigureAwait(false);
        return result!;
    }

    /// <summary>Writes the marked fields of <paramref name="value"/> (whose type must match the server's put type).</summary>
    public Task PutAsync(string name, PvValue value, string? request = null, CancellationToken cancellationToken = default) =>
        PutAsync(name, v => v.Apply(value), request, cancellationToken);

    /// <summary>
    /// Sets the <c>value</c> field of <paramref name="name"/> from text as pvput does: converted to a scalar's type,
    /// <c>[1,2]</c> for an array, a choice name or an index for an enum (NTEnum).
    /// </summary>
    /// <exception cref="FormatException">The text does not fit the field.</exception>
    public async Task PutValueAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        try
        {
            await PutAsync(name, v => PvValueParser.SetField(v, "value", value), null, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException) when (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            // An enum choice by name: the put type carries no choices, so read them from the server and map the name.
            var current = await GetAsync(name, "field(value)", cancellationToken).ConfigureAwait(false);
            await PutAsync(name, v => PvValueParser.SetField(v, "value", value, current), null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Calls RPC <paramref name="name"/> with <paramref name="argument"/> (commonly an NTURI or a plain structure) and
    /// returns the result (null when the server returns none).
    /// </summary>
    public async Task<PvValue?> RpcAsync(string name, PvValue argument, CancellationToken cancellationToken = default)
    {
        var channel = GetChannel(name);
        return await RunAsync(channel, PvaCommand.Rpc, PvRequestText(null), (op, conn, sid) =>
            conn.SendMessage(new RpcRequest(sid, op.Ioid, SubCommand.Execute, argument)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The full type of <paramref name="name"/> (GET_FIELD, what <c>pvinfo</c> shows).</summary>
    public async Task<PvType> GetTypeAsync(string name, CancellationToken cancellationToken = default)
    {
        var channel = GetChannel(name);
        while (true)
        {
            var (conn, sid) = await channel.GetConnectedAsync(cancellationToken).ConfigureAwait(false);
            var op = new RequestOperation(channel, PvaCommand.GetField);
            if (!conn.Register(op))
            {
                continue;
            }

            try
            {
                using var reg = cancellationToken.Register(() => op.Cancel(cancellationToken));
                conn.SendMessage(new GetFieldRequest(sid, op.Ioid, string.Empty));
                var result = await op.Completion.ConfigureAwait(false);
                return result!.Type;
            }
            finally
            {
                conn.Unregister(op);
            }
        }
    }

    private delegate void ExecAction(RequestOperation operation, ClientConnection connection, uint sid);

    // INIT with the pvRequest, then the exec the caller sends, then DESTROY_REQUEST. Runs again on a fresh
    // connection only if the first one was lost before INIT completed.
    private async Task<PvValue?> RunAsync(PvaChannel channel, PvaCommand command, PvValue request, ExecAction exec, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (conn, sid) = await channel.GetConnectedAsync(cancellationToken).ConfigureAwait(false);
            var op = new RequestOperation(channel, command);
            if (!conn.Register(op))
            {
                continue;
            }

            var initDone = false;
            try
            {
                using var reg = cancellationToken.Register(() => op.Cancel(cancellationToken));
                conn.SendMessage(OperationInitRequest.Create(command, sid, op.Ioid, request));
                await op.Initialized.ConfigureAwait(false);
                initDone = true;
                exec(op, conn, sid);
                return await op.Completion.ConfigureAwait(false);
            }
            catch (PvaDisconnectedException) when (!initDone && !cancellationToken.IsCancellationRequested)
            {
                // Lost before the server saw the operation: safe to try again once reconnected.
            }
            finally
            {
                if (!conn.IsClosed)
                {
                    conn.DestroyRequest(op, sid);
                }
            }
        }
    }

    internal static PvValue PvRequestText(string? request) =>
        string.IsNullOrWhiteSpace(request) ? PvRequest.Parse("field()") : PvRequest.Parse(request);
}
