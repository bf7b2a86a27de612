namespace Epics.Pva.Data;

/// <summary>How the data distributor plugin hands updates to the clients of a set (framework §6).</summary>
public enum PvDistributorMode
{
    /// <summary>Each update goes to one client of the current set, round robin.</summary>
    One,
    /// <summary>Every client of the current set gets the update.</summary>
    All,
}
