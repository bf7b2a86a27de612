using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Streaming.Processing;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// The output of the <c>pva</c> and <c>rpc</c> output modes (framework.md §2.4): each object is put, whole, into the
/// remote record, or is the argument of a call to the remote RPC service. A publish waits for the server's answer (at
/// most <c>timeout</c>), so objects arrive in order and the caller may free the object afterwards.
/// </summary>
internal sealed class RemoteDataPublisher(PvaClient client, string channel, ConsumerOutputMode mode, TimeSpan timeout) : IDataPublisher
{
    private long _published;
    private long _errors;

    public long Published => Interlocked.Read(ref _published);

    public long Errors => Interlocked.Read(ref _errors);

    public void UpdateOutputChannel(PvValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        try
        {
            using var timeLimit = new CancellationTokenSource(timeout);
            if (mode == ConsumerOutputMode.Rpc)
            {
                using var reply = client.RpcAsync(channel, value, timeLimit.Token).GetAwaiter().GetResult();
                ThrowIfRefused(reply);
            }
            else
            {
                using var whole = value.Clone();
                whole.MarkAllChanged();
                client.PutAsync(channel, target =>
                {
                    if (!target.Type.Equals(whole.Type))
                    {
                        throw new InvalidDataException($"the output record {channel} has another structure than the published object");
                    }

                    target.Apply(whole);
                }, null, timeLimit.Token).GetAwaiter().GetResult();
            }

            Interlocked.Increment(ref _published);
        }
        catch (OperationCanceledException e)
        {
            Interlocked.Increment(ref _errors);
            throw new TimeoutException($"the output channel {channel} did not answer within {timeout.TotalSeconds:0.#} s", e);
        }
        catch
        {
            Interlocked.Increment(ref _errors);
            throw;
        }
    }

    // A consumer's RPC input answers {int status; string errorMessage}; a negative status is a refusal.
    private void ThrowIfRefused(PvValue? reply)
    {
        if (reply is not null && reply.TryGetField("status", out var status) && status.Type.Kind == TypeKind.Scalar && status.GetInt64() < 0)
        {
            var message = reply.TryGetField("errorMessage", out var m) && m.Type.Kind == TypeKind.Scalar ? m.GetString() : "refused";
            throw new InvalidOperationException($"{channel} refused the object: {message}");
        }
    }
}
