namespace Epics.Pva.Data;

/// <summary>A named field of a structure, or a named member of a union.</summary>
/// <param name="Name">The field name.</param>
/// <param name="Type">The field type.</param>
public readonly record struct PvMember(string Name, PvType Type);
