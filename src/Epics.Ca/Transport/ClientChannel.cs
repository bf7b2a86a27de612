namespace Epics.Ca.Transport;

/// <summary>Client-side state of one channel name. Mutable fields are guarded by the owning client's lock.</summary>
internal sealed class ClientChannel(string name, uint cid)
{
    public string Name { get; } = name;

    public uint Cid { get; } = cid;

    public ClientCircuit? Circuit { get; set; }

    public uint Sid { get; set; }

    public DbrType NativeType { get; set; }

    public uint NativeCount { get; set; }

    public uint AccessRights { get; set; }

    public bool Connected { get; set; }

    public bool Searching { get; set; }

    /// <summary>Completed when the channel connects; replaced by a fresh one on disconnect.</summary>
    public TaskCompletionSource Ready { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<ClientSubscription> Subscriptions { get; } = [];
}
