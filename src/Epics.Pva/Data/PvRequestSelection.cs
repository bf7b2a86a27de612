using System.Globalization;

namespace Epics.Pva.Data;

/// <summary>
/// A pvRequest interpreted against a value type, as a server uses it (pva-protocol §8.3): the mask of selected fields
/// (the pvxs way: the type is not reduced) and the typed options.
/// </summary>
public sealed class PvRequestSelection
{
    private readonly Dictionary<string, string> _record;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _fieldOptions;

    private PvRequestSelection(BitSet mask, Dictionary<string, string> record, Dictionary<string, IReadOnlyDictionary<string, string>> fieldOptions)
    {
        Mask = mask;
        _record = record;
        _fieldOptions = fieldOptions;
        QueueSize = IntOption("queueSize");
        Pipeline = BoolOption("pipeline") ?? false;
        AckAny = Option("ackAny");
        Block = BoolOption("block") ?? false;
        Atomic = BoolOption("atomic");
        Dbe = IntOption("DBE");
        var process = Option("process");
        Process = process is null || process.Equals("passive", StringComparison.OrdinalIgnoreCase) ? null : BoolOption("process");
        if (fieldOptions.TryGetValue("_", out var plugin))
        {
            foreach (var name in new[] { PvDistributorOptions.DistributorPlugin, PvDistributorOptions.PyDistributorPlugin })
            {
                if (plugin.TryGetValue(name, out var value))
                {
                    Distributor = PvDistributorOptions.Parse(value, name);
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Bit offsets of the selected fields: bit 0, each selected field with its parents, and the whole subtree of a
    /// field selected without children. Everything when the request has no (or an empty) <c>field</c>.
    /// </summary>
    public BitSet Mask { get; }

    /// <summary>True when every field is selected.</summary>
    public bool SelectsAll { get; private init; }

    /// <summary>record._options.queueSize, if given.</summary>
    public int? QueueSize { get; }

    /// <summary>record._options.pipeline (default false).</summary>
    public bool Pipeline { get; }

    /// <summary>record._options.ackAny as given (<c>N</c> or <c>P%</c>).</summary>
    public string? AckAny { get; }

    /// <summary>record._options.process: true/false, null for passive or not given.</summary>
    public bool? Process { get; }

    /// <summary>record._options.block (default false).</summary>
    public bool Block { get; }

    /// <summary>record._options.atomic, if given.</summary>
    public bool? Atomic { get; }

    /// <summary>record._options.DBE (1 value, 2 archive, 4 alarm), if given.</summary>
    public int? Dbe { get; }

    /// <summary>The data distributor request (<c>field._._options.distributor</c> or <c>pydistributor</c>), if any.</summary>
    public PvDistributorOptions? Distributor { get; }

    /// <summary>All record options as strings.</summary>
    public IReadOnlyDictionary<string, string> RecordOptions => _record;

    /// <summary>Per-field options by dotted path (<c>value</c> → {array: "1:3"}; <c>_</c> holds plugin options).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> FieldOptions => _fieldOptions;

    /// <summary>
    /// The pipeline acknowledgement threshold for <paramref name="queueSize"/>: ackAny as a count or a percentage,
    /// default half the queue, at least 1.
    /// </summary>
    public int AckThreshold(int queueSize)
    {
        var fallback = Math.Max(1, queueSize / 2);
        if (AckAny is not { Length: > 0 } a)
        {
            return fallback;
        }

        if (a.EndsWith('%') && double.TryParse(a[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct))
        {
            return Math.Clamp((int)Math.Ceiling(queueSize * pct / 100), 1, Math.Max(1, queueSize));
        }

        return int.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? Math.Clamp(n, 1, Math.Max(1, queueSize))
            : throw new ArgumentException($"record option ackAny='{a}' is neither a count nor a percentage");
    }

    /// <summary>The options of a request without a value type (what a client needs: queueSize, pipeline, ackAny).</summary>
    internal static PvRequestSelection OptionsOnly(PvValue? request) => Create(request, PvType.EmptyStructure, selectFields: false);

    internal static PvRequestSelection Create(PvValue? request, PvType valueType, bool selectFields = true)
    {
        var mask = BitSet.WithCapacity(valueType.BitCount);
        mask.Set(0);
        var record = new Dictionary<string, string>(StringComparer.Ordinal);
        var fieldOptions = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var all = true;
        if (request is not null && request.Type.Kind == TypeKind.Structure)
        {
            if (request.TryGetField("record._options", out var ro) && ro.Type.Kind == TypeKind.Structure)
            {
                foreach (var (k, f) in ro.Fields)
                {
                    record[k] = OptionText(f);
                }
            }

            if (request.TryGetField("field", out var field) && field.Type.Kind == TypeKind.Structure)
            {
                CollectOptions(field, string.Empty, fieldOptions);
                if (selectFields && field.Type.Members.Any(m => m.Name != "_options"))
                {
                    // "_" is the whole structure, unless the type really has a field of that name.
                    var wholeByPlugin = field.Type.IndexOf("_") >= 0 && valueType.IndexOf("_") < 0;
                    var found = Select(field.Type, valueType, 0, mask);
                    if (!found && !wholeByPlugin)
                    {
                        throw new ArgumentException("pvRequest must select at least one field");
                    }

                    all = wholeByPlugin || mask.NextSetBit(1) < 0;
                }
            }
        }

        if (all)
        {
            mask.SetRange(0, valueType.BitCount);
        }

        return new PvRequestSelection(mask, record, fieldOptions) { SelectsAll = all };
    }

    private static bool Select(PvType request, PvType type, int offset, BitSet mask)
    {
        var found = false;
        foreach (var m in request.Members)
        {
            var i = m.Name == "_options" || type.Kind != TypeKind.Structure ? -1 : type.IndexOf(m.Name);
            if (i < 0)
            {
                continue; // unknown names are ignored
            }

            found = true;
            var childOffset = offset + type.MemberOffset(i);
            var childType = type.Members[i].Type;
            mask.Set(childOffset);
            if (childType.Kind != TypeKind.Structure || !m.Type.Members.Any(c => c.Name != "_options") || !Select(m.Type, childType, childOffset, mask))
            {
                // Selected without (matching) children: the whole subtree.
                mask.SetRange(childOffset, childOffset + childType.BitCount);
            }
        }

        return found;
    }

    private static void CollectOptions(PvField node, string path, Dictionary<string, IReadOnlyDictionary<string, string>> into)
    {
        foreach (var (name, f) in node.Fields)
        {
            if (f.Type.Kind != TypeKind.Structure)
            {
                continue;
            }

            if (name == "_options")
            {
                into[path] = f.Fields.Where(o => o.Field.Type.Kind == TypeKind.Scalar).ToDictionary(o => o.Name, o => OptionText(o.Field), StringComparer.Ordinal);
            }
            else
            {
                CollectOptions(f, path.Length == 0 ? name : path + "." + name, into);
            }
        }
    }

    private static string OptionText(PvField f) => f.Type.Kind == TypeKind.Scalar ? f.GetString() : string.Empty;

    private string? Option(string key) => _record.TryGetValue(key, out var v) ? v : null;

    private int? IntOption(string key)
    {
        var v = Option(key);
        if (v is null)
        {
            return null;
        }

        return int.TryParse(v.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue
                ? (int)d
                : throw new ArgumentException($"record option {key}='{v}' is not an integer");
    }

    private bool? BoolOption(string key)
    {
        var v = Option(key)?.Trim();
        if (v is null)
        {
            return null;
        }

        if (v.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (v.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n != 0
            : throw new ArgumentException($"record option {key}='{v}' is not a boolean");
    }
}
