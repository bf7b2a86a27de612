namespace Pvstream.Cli;

/// <summary>The text forms of <c>-M</c>.</summary>
internal enum OutputMode
{
    /// <summary>pvget's default: one line for NTScalar/NTScalarArray/NTEnum, a table for NTTable, else the tree.</summary>
    Nt,

    /// <summary>pvget <c>-M raw</c> / <c>-v</c>: the whole structure as a tree.</summary>
    Raw,

    /// <summary>pvget <c>-M json</c>: one line of JSON (JSON5 keys like pvget).</summary>
    Json,

    /// <summary>pvxget's flat <c>path type = value</c> lines.</summary>
    Delta,
}
