namespace Epics.Pva.Data.NT;

// The attribute list: lookups by name compare ordinally without allocating; adding, replacing or removing one keeps
// the other attribute values as they are (only the array holding them changes).
public readonly partial struct NTNDArray
{
    /// <summary>The name of the attribute holding the colour mode (areaDetector's <c>ColorMode</c>).</summary>
    public const string ColorModeAttribute = "ColorMode";

    /// <summary>The attributes (a new list; see <see cref="TryGetAttribute"/> to look one up without allocating).</summary>
    public IReadOnlyList<NTAttribute> Attributes =>
        [.. AttributeElements.Where(e => e is not null).Select(e => new NTAttribute(e!))];

    /// <summary>Number of attributes.</summary>
    public int AttributeCount
    {
        get
        {
            var n = 0;
            foreach (var e in AttributeElements)
            {
                n += e is null ? 0 : 1;
            }

            return n;
        }
    }

    /// <summary>The attribute element type of this value.</summary>
    public PvType AttributeType => Structure.Type["attribute"]?.ElementType ?? throw new InvalidOperationException($"{Structure.Type.DisplayId} has no attributes");

    /// <summary>A new attribute of this value's attribute type (not yet stored; see <see cref="SetAttribute(NTAttribute)"/>).</summary>
    public NTAttribute NewAttribute(string name, object value, string descriptor = "", int sourceType = 0, string source = "") =>
        NTAttribute.Create(AttributeType, name, value, descriptor, sourceType, source);

    /// <summary>
    /// Replaces all attributes (taking ownership of their values). Attributes of this value may be passed back (e.g. a
    /// filtered <see cref="Attributes"/>): only the ones left out are released.
    /// </summary>
    public void SetAttributes(params IEnumerable<NTAttribute> attributes)
    {
        var field = AttributeField;
        var type = AttributeType;
        PvValue?[] elements = [.. attributes.Select(a => a.Structure)];
        foreach (var e in elements)
        {
            if (e is not null && !e.Type.Equals(type))
            {
                throw new ArgumentException($"an attribute's type is not this image's attribute type {type.DisplayId}", nameof(attributes));
            }
        }

        var old = AttributeElements;
        field.SetRaw(0, elements);
        foreach (var e in old)
        {
            if (e is not null && System.Array.IndexOf(elements, e) < 0)
            {
                e.Dispose();
            }
        }
    }

    /// <summary>The attribute called <paramref name="name"/>, if present.</summary>
    public NTAttribute? FindAttribute(string name) => TryGetAttribute(name, out var a) ? a : null;

    /// <summary>Looks up the attribute called <paramref name="name"/> (ordinal comparison, no allocation).</summary>
    public bool TryGetAttribute(ReadOnlySpan<char> name, out NTAttribute attribute)
    {
        var elements = AttributeElements;
        var i = IndexOfAttribute(elements, name);
        attribute = i >= 0 ? new NTAttribute(elements[i]!) : default;
        return i >= 0;
    }

    /// <summary>
    /// Sets attribute <paramref name="name"/> to <paramref name="value"/> (bool, an integer, float, double or string):
    /// the value of an existing attribute is replaced (in place when it keeps its type), else a new attribute is
    /// appended. Marks the attribute list changed and returns the attribute.
    /// </summary>
    public NTAttribute SetAttribute(string name, object value)
    {
        if (TryGetAttribute(name, out var existing))
        {
            existing.SetValue(value);
            AttributeField.MarkChanged();
            return existing;
        }

        var added = NewAttribute(name, value);
        Append(added.Structure);
        return added;
    }

    /// <summary>
    /// Stores <paramref name="attribute"/> (taking ownership of its value): it replaces the attribute of the same name,
    /// or is appended. Its type must be this value's <see cref="AttributeType"/>.
    /// </summary>
    public void SetAttribute(NTAttribute attribute)
    {
        if (!attribute.Structure.Type.Equals(AttributeType))
        {
            throw new ArgumentException($"the attribute's type is not this image's attribute type {AttributeType.DisplayId}", nameof(attribute));
        }

        var elements = AttributeElements;
        var i = IndexOfAttribute(elements, attribute.Name);
        if (i < 0)
        {
            Append(attribute.Structure);
            return;
        }

        var old = elements[i];
        if (!ReferenceEquals(old, attribute.Structure))
        {
            elements[i] = attribute.Structure;
            old?.Dispose();
        }

        AttributeField.MarkChanged();
    }

    /// <summary>Removes the attribute called <paramref name="name"/>; false when there is none.</summary>
    public bool RemoveAttribute(ReadOnlySpan<char> name)
    {
        var elements = AttributeElements;
        var i = IndexOfAttribute(elements, name);
        if (i < 0)
        {
            return false;
        }

        var kept = new PvValue?[elements.Length - 1];
        elements.AsSpan(0, i).CopyTo(kept);
        elements.AsSpan(i + 1).CopyTo(kept.AsSpan(i));
        AttributeField.SetRaw(0, kept); // the kept elements move over; only the removed one is released
        elements[i]?.Dispose();
        return true;
    }

    /// <summary>
    /// The colour mode from the <c>ColorMode</c> attribute, or <see cref="NDColorMode.Mono"/> when there is none (as
    /// areaDetector plugins read it).
    /// </summary>
    public NDColorMode ColorMode => TryGetColorMode(out var mode) ? mode : NDColorMode.Mono;

    /// <summary>The colour mode, when a <c>ColorMode</c> attribute holds an integer (or integer text).</summary>
    public bool TryGetColorMode(out NDColorMode mode)
    {
        mode = NDColorMode.Mono;
        if (!TryGetAttribute(ColorModeAttribute, out var a) || a.ValueField.Content is not { Type.Kind: TypeKind.Scalar } content)
        {
            return false;
        }

        var f = content.Root;
        var type = content.Type.ScalarType;
        long code;
        if (type.IsNumeric())
        {
            code = f.GetInt64();
        }
        else if (type != ScalarType.String || !long.TryParse(f.GetString(), System.Globalization.CultureInfo.InvariantCulture, out code))
        {
            return false;
        }

        if (code is < 0 or > (int)NDColorMode.YUV411)
        {
            return false;
        }

        mode = (NDColorMode)code;
        return true;
    }

    private PvField AttributeField => Require(_fields.Attribute, "attribute");

    private PvValue?[] AttributeElements => _fields.Attribute < 0 ? [] : Structure.Nodes[_fields.Attribute].Ref as PvValue?[] ?? [];

    private int IndexOfAttribute(PvValue?[] elements, ReadOnlySpan<char> name)
    {
        // Elements share the array's element type, so the offset of "name" found for the type holds for all of them.
        var nameOffset = _fields.AttributeName;
        for (var i = 0; i < elements.Length; i++)
        {
            if (elements[i] is { } e && e.Nodes[nameOffset].Ref is string n && name.SequenceEqual(n))
            {
                return i;
            }
        }

        return -1;
    }

    private void Append(PvValue element)
    {
        var elements = AttributeElements;
        var grown = new PvValue?[elements.Length + 1];
        elements.CopyTo(grown, 0);
        grown[^1] = element;
        AttributeField.SetRaw(0, grown); // the existing elements move over unchanged
    }
}
