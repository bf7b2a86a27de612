using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>
/// An <c>epics:nt/NTTable:1.0</c> value: <c>string[] labels</c>, <c>structure value {one scalar array per column}</c>,
/// [descriptor], [alarm], [timeStamp].
/// </summary>
public readonly struct NTTable
{
    /// <summary>The type ID.</summary>
    public const string Id = "epics:nt/NTTable:1.0";

    /// <summary>Wraps <paramref name="structure"/>, which must have a structure <c>value</c> of columns.</summary>
    public NTTable(PvValue structure)
    {
        if (structure.Type["value"] is not { Kind: TypeKind.Structure })
        {
            throw new ArgumentException($"{structure.Type.DisplayId} has no 'value' structure of columns", nameof(structure));
        }

        Structure = structure;
    }

    /// <summary>The wrapped value.</summary>
    public PvValue Structure { get; }

    /// <summary>The column labels (the column field names when there is no <c>labels</c> field).</summary>
    public IReadOnlyList<string> Labels => Structure.TryGetField("labels", out var f) && f.Type.Kind == TypeKind.ScalarArray
        ? f.GetArray().ToArray<string>()
        : [.. Structure.Type["value"]!.Members.Select(m => m.Name)];

    /// <summary>The column field names, in order.</summary>
    public IReadOnlyList<string> ColumnNames => [.. Structure.Type["value"]!.Members.Select(m => m.Name)];

    /// <summary>Number of rows (the shortest column).</summary>
    public int RowCount
    {
        get
        {
            var rows = int.MaxValue;
            foreach (var c in ColumnNames)
            {
                rows = Math.Min(rows, Column(c).Count);
            }

            return rows == int.MaxValue ? 0 : rows;
        }
    }

    /// <summary>The elements of column <paramref name="name"/>.</summary>
    public PvArray Column(string name) => Structure["value." + name].GetArray();

    /// <summary>Stores a column (converted to the column's element type).</summary>
    public void SetColumn<T>(string name, T[] values) => Structure["value." + name].Set(values);

    /// <summary>The alarm (no alarm when absent).</summary>
    public PvAlarm Alarm
    {
        get => NTFields.ReadAlarm(Structure);
        set => NTFields.WriteAlarm(Structure, value);
    }

    /// <summary>The time stamp (zero when absent).</summary>
    public PvTimeStamp TimeStamp
    {
        get => NTFields.ReadTimeStamp(Structure, "timeStamp");
        set => NTFields.WriteTimeStamp(Structure, "timeStamp", value);
    }

    /// <summary>The NTTable type for the given columns: labels, value, [descriptor], [alarm], [timeStamp].</summary>
    public static PvType TypeFor(
        IEnumerable<(string Name, ScalarType Type)> columns, NTOptionalFields fields = NTOptionalFields.Alarm | NTOptionalFields.TimeStamp)
    {
        var value = PvType.Structure(string.Empty, columns.Select(c => new PvMember(c.Name, PvType.Array(c.Type))));
        return NTBuild.Standard(
            Id, value, fields & ~(NTOptionalFields.Display | NTOptionalFields.Control), new PvMember("labels", PvType.Array(ScalarType.String)));
    }

    /// <summary>A new, empty table whose labels are the column names.</summary>
    public static NTTable Create(params (string Name, ScalarType Type)[] columns)
    {
        var nt = new NTTable(new PvValue(TypeFor(columns)));
        nt.Structure["labels"].Set(columns.Select(c => c.Name).ToArray());
        return nt;
    }

    /// <inheritdoc />
    public override string ToString() => PvFormatter.FormatNT(Structure);
}
