namespace Epics.Pva.Data;

/// <summary>What kind of field a <see cref="PvType"/> describes.</summary>
public enum TypeKind : byte
{
    /// <summary>A single number, boolean or string.</summary>
    Scalar,
    /// <summary>An array of one scalar type.</summary>
    ScalarArray,
    /// <summary>A structure of named fields.</summary>
    Structure,
    /// <summary>A union of named members, one selected at a time.</summary>
    Union,
    /// <summary>A variant union (<c>any</c>): holds a value of any type.</summary>
    Variant,
    /// <summary>An array of structures of one type.</summary>
    StructureArray,
    /// <summary>An array of unions of one type.</summary>
    UnionArray,
    /// <summary>An array of variant unions.</summary>
    VariantArray,
}
