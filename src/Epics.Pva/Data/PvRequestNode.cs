namespace Epics.Pva.Data;

// The tree a pvRequest is built from: named sub-structures, each with ordered string options (its "_options").
internal sealed class PvRequestNode(string name)
{
    public string Name { get; } = name;

    public List<PvRequestNode> Children { get; } = [];

    public List<KeyValuePair<string, string>> Options { get; } = [];

    public PvRequestNode Child(string name)
    {
        foreach (var c in Children)
        {
            if (c.Name == name)
            {
                return c;
            }
        }

        var n = new PvRequestNode(name);
        Children.Add(n);
        return n;
    }

    /// <summary>Descends a dotted path, creating nodes.</summary>
    public PvRequestNode Path(string path)
    {
        var n = this;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            n = n.Child(part);
        }

        return n;
    }

    public void SetOption(string key, string value)
    {
        var i = Options.FindIndex(o => o.Key == key);
        if (i >= 0)
        {
            Options[i] = new(key, value);
        }
        else
        {
            Options.Add(new(key, value));
        }
    }

    // Options first, as pvDataCPP's createRequest puts them; every option value is a string.
    public PvType BuildType()
    {
        var members = new List<PvMember>();
        if (Options.Count > 0)
        {
            members.Add(new("_options", PvType.Structure(string.Empty, Options.Select(o => new PvMember(o.Key, PvType.String)))));
        }

        members.AddRange(Children.Select(c => new PvMember(c.Name, c.BuildType())));
        return PvType.Structure(string.Empty, members);
    }

    public void FillValues(PvField target)
    {
        foreach (var (key, value) in Options)
        {
            target["_options." + key].Set(value);
        }

        foreach (var c in Children)
        {
            c.FillValues(target[c.Name]);
        }
    }

    public PvValue ToValue()
    {
        var v = new PvValue(BuildType());
        FillValues(v.Root);
        v.MarkAllChanged();
        return v;
    }
}
