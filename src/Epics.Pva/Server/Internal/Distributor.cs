using Epics.Pva.Data;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// The data distributor monitor filter (framework §6, pva-protocol §10): clients that ask for
/// <c>field(_[distributor=group:g;set:s;trigger:f;updates:n;mode:one|all])</c> (or <c>pydistributor</c>) share the
/// updates of a PV round-robin instead of each getting all of them. State is kept per PV and group (the original
/// keyed it by group only, so different records with the same group disturbed each other), and the "clients served"
/// counter of mode all is kept per set (the original shared one static counter).
/// </summary>
internal sealed class Distributor
{
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private long _nextClientId;

    /// <summary>Adds a client; its set is created with these settings if it does not exist yet.</summary>
    public DistributorMember Join(PvDistributorOptions settings)
    {
        if (!_groups.TryGetValue(settings.EffectiveGroup, out var group))
        {
            group = new Group();
            _groups[settings.EffectiveGroup] = group;
        }

        var set = group.Sets.Find(s => s.Id == settings.EffectiveSet);
        if (set is null)
        {
            set = new ClientSet(settings.EffectiveSet, settings.EffectiveTrigger, settings.EffectiveUpdates, settings.EffectiveMode == PvDistributorMode.All);
            group.Sets.Add(set);
        }

        var member = new DistributorMember(this, settings.EffectiveGroup, set, ++_nextClientId);
        set.Clients.Add(member);
        return member;
    }

    /// <summary>Removes a client, moving cursors on and dropping empty sets and groups.</summary>
    public void Leave(DistributorMember member)
    {
        if (!_groups.TryGetValue(member.GroupId, out var group))
        {
            return;
        }

        var set = member.Set;
        var index = set.Clients.IndexOf(member);
        if (index < 0)
        {
            return;
        }

        var current = set.CurrentClient < set.Clients.Count ? set.Clients[set.CurrentClient] : null;
        set.Clients.RemoveAt(index);
        if (ReferenceEquals(current, member))
        {
            current = index < set.Clients.Count ? set.Clients[index] : null;
        }

        set.CurrentClient = current is null ? set.Clients.Count : set.Clients.IndexOf(current);
        if (set.Clients.Count == 0)
        {
            var setIndex = group.Sets.IndexOf(set);
            var currentSet = group.CurrentSet < group.Sets.Count ? group.Sets[group.CurrentSet] : null;
            group.Sets.RemoveAt(setIndex);
            if (ReferenceEquals(currentSet, set))
            {
                currentSet = setIndex < group.Sets.Count ? group.Sets[setIndex] : null;
            }

            group.CurrentSet = currentSet is null ? group.Sets.Count : group.Sets.IndexOf(currentSet);
            if (group.Sets.Count == 0)
            {
                _groups.Remove(member.GroupId);
            }
        }
    }

    /// <summary>Whether <paramref name="member"/> gets this update (called for each member in connection order).</summary>
    public bool Decide(DistributorMember member, PvValue value)
    {
        if (!member.Started)
        {
            member.Started = true;
            return true;
        }

        if (!_groups.TryGetValue(member.GroupId, out var group))
        {
            return false;
        }

        if (group.CurrentSet >= group.Sets.Count)
        {
            group.CurrentSet = 0;
        }

        var set = member.Set;
        if (!ReferenceEquals(group.Sets[group.CurrentSet], set))
        {
            return false;
        }

        if (set.CurrentClient >= set.Clients.Count)
        {
            set.CurrentClient = 0;
        }

        var trigger = TriggerOffset(value, set.Trigger);
        if (group.LastUpdateValue.Matches(value, trigger))
        {
            return false;
        }

        if (!set.All)
        {
            if (!ReferenceEquals(set.Clients[set.CurrentClient], member))
            {
                return false;
            }

            group.LastUpdateValue.Store(value, trigger);
            set.LastUpdateValue.Store(value, trigger);
            if (++set.UpdateCounter >= set.UpdatesPerClient)
            {
                set.CurrentClient++;
                set.UpdateCounter = 0;
                group.CurrentSet++;
            }

            return true;
        }

        if (!set.LastUpdateValue.Matches(value, trigger))
        {
            set.LastUpdateValue.Store(value, trigger);
            set.UpdateCounter++;
            set.ClientsServed = 0;
        }

        set.ClientsServed++;
        if (set.ClientsServed >= set.Clients.Count && set.UpdateCounter >= set.UpdatesPerClient)
        {
            group.LastUpdateValue.Store(value, trigger);
            set.UpdateCounter = 0;
            group.CurrentSet++;
        }

        return true;
    }

    // The trigger field's bit offset (the whole value when there is no such field).
    private static int TriggerOffset(PvValue value, string trigger) =>
        value.TryGetField(trigger, out var field) ? field.Offset : 0;

    private sealed class Group
    {
        public List<ClientSet> Sets { get; } = [];

        public int CurrentSet { get; set; }

        public TriggerValue LastUpdateValue { get; } = new();
    }

    internal sealed class ClientSet(string id, string trigger, int updatesPerClient, bool all)
    {
        public string Id { get; } = id;

        public string Trigger { get; } = trigger;

        public int UpdatesPerClient { get; } = updatesPerClient;

        public bool All { get; } = all;

        public List<DistributorMember> Clients { get; } = [];

        public int CurrentClient { get; set; }

        public TriggerValue LastUpdateValue { get; } = new();

        public int UpdateCounter { get; set; }

        public int ClientsServed { get; set; }
    }
}

/// <summary>One client monitor in a distributor set.</summary>
internal sealed class DistributorMember(Distributor owner, string groupId, Distributor.ClientSet set, long clientId)
{
    public Distributor Owner { get; } = owner;

    public string GroupId { get; } = groupId;

    public Distributor.ClientSet Set { get; } = set;

    public long ClientId { get; } = clientId;

    /// <summary>False until the first (connect) update, which every client gets.</summary>
    public bool Started { get; set; }
}
