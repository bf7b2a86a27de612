namespace Epics.Pva.Data.NT;

// Dimensions, the image geometry they describe with the colour mode, typed image views, and building images.
public readonly partial struct NTNDArray
{
    /// <summary>Number of dimensions.</summary>
    public int DimensionCount => DimensionElements.Length;

    /// <summary>Dimension <paramref name="index"/> (x is 0).</summary>
    public NTDimension GetDimension(int index) => DimensionElements[index] is { } e ? NTDimension.Read(e.Root) : default;

    /// <summary>The size of dimension <paramref name="index"/> (x is 0).</summary>
    public int GetDimensionSize(int index) =>
        DimensionElements[index] is { } e && _fields.DimensionSize >= 0 ? e.FieldAt(_fields.DimensionSize).GetInt32() : 0;

    /// <summary>The dimensions, fastest varying (x) first (a new list).</summary>
    public IReadOnlyList<NTDimension> Dimensions => [.. DimensionElements.Select(e => e is null ? default : NTDimension.Read(e.Root))];

    /// <summary>The dimension sizes, x first (e.g. [width, height]; a new array).</summary>
    public int[] Shape => [.. Dimensions.Select(d => d.Size)];

    /// <summary>
    /// The image geometry the dimensions and the <c>ColorMode</c> attribute describe (framework.md §2.5): mono
    /// [nx, ny], RGB1 [3, nx, ny], RGB2 [nx, 3, ny], RGB3 [nx, ny, 3]; no dimensions is the empty image.
    /// </summary>
    /// <exception cref="InvalidDataException">The dimensions and the colour mode do not fit together.</exception>
    public ImageShape ImageShape
    {
        get
        {
            var count = DimensionCount;
            Span<int> sizes = count <= 3 ? stackalloc int[3] : new int[count];
            for (var i = 0; i < count; i++)
            {
                sizes[i] = GetDimensionSize(i);
            }

            return ImageShape.FromDimensions(sizes[..count], TryGetColorMode(out var mode) ? mode : null);
        }
    }

    /// <summary>Sets the dimensions from sizes (offset 0, fullSize = size, binning 1), x first.</summary>
    public void SetDimensions(params ReadOnlySpan<int> sizes)
    {
        var elements = DimensionElementsFor(sizes.Length);
        for (var i = 0; i < sizes.Length; i++)
        {
            new NTDimension(sizes[i]).WriteTo(elements[i]!.Root);
        }
    }

    /// <summary>Sets the dimensions.</summary>
    public void SetDimensions(IReadOnlyList<NTDimension> dimensions)
    {
        var elements = DimensionElementsFor(dimensions.Count);
        for (var i = 0; i < elements.Length; i++)
        {
            dimensions[i].WriteTo(elements[i]!.Root);
        }
    }

    /// <summary>
    /// A read-only typed view of the image. <typeparamref name="T"/> must be the element type's CLR type (the
    /// selected union member: <c>ushort</c> for ushortValue). A frame without dimensions gives an empty view.
    /// </summary>
    /// <exception cref="InvalidCastException"><typeparamref name="T"/> is not the element type.</exception>
    /// <exception cref="InvalidOperationException">The frame is compressed (decode it first).</exception>
    /// <exception cref="InvalidDataException">Dimensions, colour mode and element count do not fit together.</exception>
    public ImageView<T> GetImage<T>()
        where T : unmanaged
    {
        var shape = ImageShape;
        if (shape.Rank == 0)
        {
            return new ImageView<T>(null, shape);
        }

        if (CodecName is { Length: > 0 } codec)
        {
            throw new InvalidOperationException($"the image is compressed ({codec}); decompress it before reading pixels");
        }

        if (ValueField.Content is not { Type.Kind: TypeKind.ScalarArray } member)
        {
            throw new InvalidDataException($"the image has dimensions {shape} but no value");
        }

        var array = member.Root.GetArray();
        if (typeof(T) != array.ElementType.ClrType())
        {
            throw new InvalidCastException(
                $"the image holds {array.ElementType.TypeName()} elements ({MemberName(array.ElementType)}); read it as {array.ElementType.ClrType().Name}, not {typeof(T).Name}");
        }

        return new ImageView<T>(array, shape);
    }

    /// <summary>
    /// A typed view whose <c>GetWritable…</c> accessors work: when the image array is shared (with a queue, another
    /// subscriber, a clone or a send in flight), this value first gets a private copy (copy-on-write; the others keep
    /// the old pixels). Marks the value changed. Checks as <see cref="GetImage{T}"/>.
    /// </summary>
    public ImageView<T> GetWritableImage<T>(FrameBufferPool? pool = null)
        where T : unmanaged
    {
        var view = GetImage<T>();
        if (view.Shape.Rank == 0)
        {
            return view;
        }

        var member = ValueField.Content!.Root;
        var array = member.GetArray();
        if (!array.IsExclusive)
        {
            array = array.GetExclusive(pool);
            member.SetRaw(0, array); // this value's reference moved to the copy
        }

        ValueField.MarkChanged();
        return new ImageView<T>(array, view.Shape);
    }

    /// <summary>
    /// Replaces the image (taking over the caller's reference) and keeps the rest consistent: selects the union member
    /// of its element type, clears the codec, sets compressedSize and uncompressedSize, and rewrites the dimensions and
    /// the <c>ColorMode</c> attribute only when they differ, so a frame reused with the same geometry sends only its
    /// new data. <paramref name="image"/> must have <see cref="ImageShape.Elements"/> elements.
    /// </summary>
    public void SetImage(PvArray image, ImageShape shape)
    {
        if (image.Count != shape.Elements)
        {
            throw new ArgumentException($"{image} does not hold the {shape.Elements} elements of a {shape} image", nameof(image));
        }

        var member = MemberIndex(image.ElementType);
        ClearCodec();
        ValueField.Select(member).SetArray(image);
        SetIfChanged(_fields.CompressedSize, "compressedSize", image.ByteLength);
        SetIfChanged(_fields.UncompressedSize, "uncompressedSize", image.ByteLength);

        Span<int> sizes = stackalloc int[3];
        sizes = sizes[..shape.GetDimensions(sizes)];
        if (!DimensionsAre(sizes))
        {
            SetDimensions(sizes);
        }

        if (TryGetColorMode(out var mode) ? mode != shape.ColorMode : _fields.Attribute >= 0 || shape.ColorMode != NDColorMode.Mono)
        {
            SetAttribute(ColorModeAttribute, (int)shape.ColorMode);
        }
    }

    /// <summary>
    /// Replaces the image with a new array of <paramref name="shape"/> (from <paramref name="pool"/>, default the shared
    /// pool; its elements are not cleared) and returns a writable view to fill it. See <see cref="SetImage(PvArray, ImageShape)"/>.
    /// </summary>
    public ImageView<T> AllocateImage<T>(ImageShape shape, FrameBufferPool? pool = null)
        where T : unmanaged
    {
        var array = PvArray.Allocate(ScalarTypes.Of<T>(), shape.Elements, pool);
        SetImage(array, shape);
        return new ImageView<T>(array, shape);
    }

    /// <summary>
    /// A new NTNDArray of <paramref name="layout"/> holding an image of <paramref name="shape"/> and
    /// <paramref name="elementType"/> (a pooled array whose elements are not cleared; fill it through
    /// <see cref="GetWritableImage{T}"/>), with its dimensions, ColorMode attribute and sizes set.
    /// </summary>
    public static NTNDArray Create(ImageShape shape, ScalarType elementType, NTNDArrayLayout layout = NTNDArrayLayout.NormativeTypes, FrameBufferPool? pool = null)
    {
        var frame = Create(layout);
        frame.SetImage(PvArray.Allocate(elementType, shape.Elements, pool), shape);
        return frame;
    }

    private PvValue?[] DimensionElements => _fields.Dimension < 0 ? [] : Structure.Nodes[_fields.Dimension].Ref as PvValue?[] ?? [];

    // The dimension elements to write `count` dimensions into: the present ones when there are as many (the field is
    // marked changed), else new ones.
    private PvValue?[] DimensionElementsFor(int count)
    {
        var field = Require(_fields.Dimension, "dimension");
        var elements = DimensionElements;
        if (elements.Length == count && System.Array.IndexOf(elements, null) < 0)
        {
            field.MarkChanged();
            return elements;
        }

        elements = new PvValue?[count];
        for (var i = 0; i < count; i++)
        {
            elements[i] = field.NewElement();
        }

        field.SetElements(elements);
        return elements;
    }

    private bool DimensionsAre(ReadOnlySpan<int> sizes)
    {
        if (DimensionCount != sizes.Length)
        {
            return false;
        }

        for (var i = 0; i < sizes.Length; i++)
        {
            if (GetDimensionSize(i) != sizes[i])
            {
                return false;
            }
        }

        return true;
    }

    private void SetIfChanged(int offset, string name, long value)
    {
        var field = Require(offset, name);
        if (field.GetInt64() != value)
        {
            field.Set(value);
        }
    }
}
