namespace Epics.Pva.Data.NT;

// The codec fields: what decoders read and encoders write.
public readonly partial struct NTNDArray
{
    /// <summary>The codec name ("" = uncompressed).</summary>
    public string CodecName => _fields.CodecName < 0 ? string.Empty : Structure.FieldAt(_fields.CodecName).GetString();

    /// <summary>The <c>codec.parameters</c> field (an any), or the default field when the type has none.</summary>
    public PvField CodecParameters => _fields.CodecParameters < 0 ? default : Structure.FieldAt(_fields.CodecParameters);

    /// <summary>
    /// The codec parameters as areaDetector sends them: an int holding the pvData type code of the uncompressed
    /// elements (the spec's union member index), or null.
    /// </summary>
    public ScalarType? CodecOriginalType =>
        CodecParameters is { Exists: true } p && p.Content is { Type.Kind: TypeKind.Scalar } c && c.Type.ScalarType.IsInteger() &&
        c.Root.GetInt64() is var i && i >= 0 && i < SpecOrder.Length
            ? SpecOrder[i]
            : null;

    /// <summary>Name, original element type and sizes together: what a decoder needs besides <see cref="Image"/>.</summary>
    public NTNDArrayCodec Codec => new(CodecName, CodecOriginalType, CompressedSize, UncompressedSize);

    /// <summary>Sets the codec: name ("" for none) and, for a compressed image, the original element type.</summary>
    public void SetCodec(string name, ScalarType? originalType = null)
    {
        Require(_fields.CodecName, "codec.name").Set(name);
        var parameters = Require(_fields.CodecParameters, "codec.parameters");
        if (originalType is not { } t)
        {
            parameters.SetContent(null);
            return;
        }

        var index = System.Array.IndexOf(SpecOrder, t);
        if (index < 0)
        {
            throw new ArgumentException($"NTNDArray has no member for {t.TypeName()}", nameof(originalType));
        }

        if (parameters.Content is { Type: { Kind: TypeKind.Scalar, ScalarType: ScalarType.Int } } content)
        {
            content.Root.Set(index); // reuse the int already there
            parameters.MarkChanged();
            return;
        }

        var code = new PvValue(PvType.Int);
        code.Root.Set(index);
        parameters.SetContent(code);
    }

    /// <summary>
    /// Stores compressed bytes (a ubyte array; the caller's reference moves to this value) with their codec: codec
    /// name and parameters (the original element type), compressedSize = the byte count, and
    /// <paramref name="uncompressedSize"/>. Dimensions and attributes describe the uncompressed image and are kept.
    /// </summary>
    public void SetCompressedImage(PvArray compressed, string codecName, ScalarType originalType, long uncompressedSize)
    {
        if (compressed.ElementType != ScalarType.UByte)
        {
            throw new ArgumentException($"compressed data is a ubyte array, not {compressed}", nameof(compressed));
        }

        ArgumentException.ThrowIfNullOrEmpty(codecName);
        SetCodec(codecName, originalType);
        ValueField.Select(MemberIndex(ScalarType.UByte)).SetArray(compressed);
        CompressedSize = compressed.ByteLength;
        UncompressedSize = uncompressedSize;
    }

    // Clears the codec only when one is set, so that a frame reused uncompressed does not resend it every time.
    private void ClearCodec()
    {
        if (CodecName.Length > 0 || CodecParameters is { Exists: true } p && p.Content is not null)
        {
            SetCodec(string.Empty);
        }
    }
}
