namespace Epics.Pva.Data;

/// <summary>Builds a structure type field by field: <c>PvType.Builder("my_t").Add("x", PvType.Double).Build()</c>.</summary>
public sealed class PvStructureBuilder
{
    private readonly string _id;
    private readonly List<PvMember> _members = [];

    internal PvStructureBuilder(string id) => _id = id;

    /// <summary>Adds a field.</summary>
    public PvStructureBuilder Add(string name, PvType type)
    {
        _members.Add(new PvMember(name, type));
        return this;
    }

    /// <summary>Adds a scalar field.</summary>
    public PvStructureBuilder Add(string name, ScalarType type) => Add(name, PvType.Scalar(type));

    /// <summary>Adds a scalar array field.</summary>
    public PvStructureBuilder AddArray(string name, ScalarType type) => Add(name, PvType.Array(type));

    /// <summary>Adds a sub-structure built by <paramref name="build"/>.</summary>
    public PvStructureBuilder AddStructure(string name, string id, Action<PvStructureBuilder> build)
    {
        var b = new PvStructureBuilder(id);
        build(b);
        return Add(name, b.Build());
    }

    /// <summary>The structure type.</summary>
    public PvType Build() => PvType.Structure(_id, _members);
}
