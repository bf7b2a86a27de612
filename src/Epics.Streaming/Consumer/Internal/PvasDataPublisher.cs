using Epics.Pva.Data;
using Epics.Pva.Server;
using Epics.Streaming.Processing;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// The output record in <c>pvas</c> mode (framework.md §2.4). It is served from the start without a type, so clients
/// that connect early wait; the processor's output type (asked with the first input object) opens it, and each publish
/// posts the whole object (arrays are shared, not copied). An object of another type reopens
/// the record with that type.
/// </summary>
internal sealed class PvasDataPublisher(SharedPv record) : IDataPublisher
{
    private readonly Lock _lock = new();
    private long _published;
    private long _errors;

    public long Published => Interlocked.Read(ref _published);

    public long Errors => Interlocked.Read(ref _errors);

    public void Open(PvValue initial)
    {
        lock (_lock)
        {
            if (!record.IsOpen)
            {
                record.Open(initial);
            }
        }
    }

    public void UpdateOutputChannel(PvValue value)
    {
        try
        {
            lock (_lock)
            {
                if (!record.IsOpen)
                {
                    record.Open(value);
                }
                else if (!value.Type.Equals(record.Type))
                {
                    record.Close();
                    record.Open(value);
                }
                else
                {
                    // The whole object is published, as the reference's update() copies it whole. Its changed bits
                    // say what changed since this consumer's previous input, not since the record's last post: a
                    // distributed consumer skips frames, and the record may have been opened from an empty first
                    // object, so a field unchanged for the input (the dimensions) can still differ in the record.
                    value.MarkAllChanged();
                    record.Post(value);
                }
            }

            Interlocked.Increment(ref _published);
        }
        catch
        {
            Interlocked.Increment(ref _errors);
            throw;
        }
    }

    public void ResetStatistics()
    {
        Interlocked.Exchange(ref _published, 0);
        Interlocked.Exchange(ref _errors, 0);
    }
}
