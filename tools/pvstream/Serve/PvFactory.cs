using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Pvstream.Serve;

/// <summary>Builds the PVs of <c>serve</c> from their <see cref="PvSpec"/>s.</summary>
internal static class PvFactory
{
    public static ServedPv Create(PvSpec spec)
    {
        var kind = spec.Kind;
        return kind switch
        {
            "enum" => Enum(spec),
            "counter" => Counter(spec),
            "sine" => Sine(spec),
            "image" => Image(spec),
            "add" => Add(spec),
            _ when kind.EndsWith("[]", StringComparison.Ordinal) && ScalarTypes.TryParse(kind[..^2], out var t) => Array(spec, t),
            _ when ScalarTypes.TryParse(kind, out var t) => Scalar(spec, t),
            _ => throw PvSpec.Bad(spec.ToString(), $"unknown type '{kind}' (use a scalar type, TYPE[], enum, counter, sine, image or add)"),
        };
    }

    private static ServedPv Scalar(PvSpec spec, ScalarType type)
    {
        var nt = NTScalar.Create(type);
        Init(spec, nt.Structure, "value", spec.Init);
        return Writable(spec, nt.Structure, $"NTScalar {type.TypeName()}");
    }

    private static ServedPv Array(PvSpec spec, ScalarType type)
    {
        var nt = NTScalarArray.Create(type);
        Init(spec, nt.Structure, "value", spec.Init);
        return Writable(spec, nt.Structure, $"NTScalarArray {type.TypeName()}[]");
    }

    private static ServedPv Enum(PvSpec spec)
    {
        var choices = spec.Init is null ? ["Off", "On"] : Try(spec, () => PvValueParser.SplitArray(spec.Init, "choices"));
        if (choices.Length == 0)
        {
            throw PvSpec.Bad(spec.ToString(), "an enum needs at least one choice");
        }

        var nt = NTEnum.Create(choices);
        return Writable(spec, nt.Structure, $"NTEnum [{string.Join(',', choices)}]");
    }

    private static ServedPv Counter(PvSpec spec)
    {
        var start = spec.Init is null ? 0 : Try(spec, () => long.Parse(spec.Init, CultureInfo.InvariantCulture));
        var nt = NTScalar.Create(ScalarType.Long);
        nt.ValueField.Set(start);
        var rate = spec.Rate ?? 1;
        var pv = ReadOnly(spec, nt.Structure);
        return new ServedPv(spec.Name, pv, $"NTScalar long counter from {start}, {Hz(rate)}, read-only", rate, n =>
        {
            var update = new PvValue(nt.Structure.Type);
            update["value"].Set(start + n);
            PvTimeStamp.Now().WriteTo(update["timeStamp"]);
            pv.Post(update);
        });
    }

    private static ServedPv Sine(PvSpec spec)
    {
        var parts = spec.Init?.Split(',') ?? [];
        var amplitude = parts.Length > 0 ? Try(spec, () => double.Parse(parts[0], CultureInfo.InvariantCulture)) : 1.0;
        var period = parts.Length > 1 ? Try(spec, () => double.Parse(parts[1], CultureInfo.InvariantCulture)) : 10.0;
        if (parts.Length > 2 || period <= 0)
        {
            throw PvSpec.Bad(spec.ToString(), "sine takes AMPLITUDE[,PERIOD_SECONDS] with a positive period");
        }

        var nt = NTScalar.Create(ScalarType.Double);
        var rate = spec.Rate ?? 10;
        var pv = ReadOnly(spec, nt.Structure);
        var clock = Stopwatch.StartNew();
        return new ServedPv(spec.Name, pv, $"NTScalar double sine, amplitude {amplitude}, period {period} s, {Hz(rate)}, read-only", rate, _ =>
        {
            var update = new PvValue(nt.Structure.Type);
            update["value"].Set(amplitude * Math.Sin(2 * Math.PI * clock.Elapsed.TotalSeconds / period));
            PvTimeStamp.Now().WriteTo(update["timeStamp"]);
            pv.Post(update);
        });
    }

    private static ServedPv Image(PvSpec spec)
    {
        // WIDTHxHEIGHT[:TYPE], default 128x128 ubyte.
        var parts = (spec.Init ?? "128x128").Split(':');
        var size = parts[0].ToLowerInvariant().Split('x');
        if (parts.Length > 2 || size.Length != 2 ||
            !int.TryParse(size[0], CultureInfo.InvariantCulture, out var width) || !int.TryParse(size[1], CultureInfo.InvariantCulture, out var height) ||
            width is < 1 or > 16384 || height is < 1 or > 16384)
        {
            throw PvSpec.Bad(spec.ToString(), "image takes WIDTHxHEIGHT[:TYPE], e.g. 640x480:ushort");
        }

        var element = ScalarType.UByte;
        if (parts.Length == 2 && (!ScalarTypes.TryParse(parts[1], out element) || !element.IsNumeric()))
        {
            throw PvSpec.Bad(spec.ToString(), $"'{parts[1]}' is not a numeric element type");
        }

        var rate = spec.Rate ?? 1;
        var first = Frame(width, height, element, 0);
        first.SetAttributes(first.NewAttribute("ColorMode", 0));
        first.Structure["descriptor"].Set("pvstream test image");
        var pv = ReadOnly(spec, first.Structure);
        return new ServedPv(spec.Name, pv, $"NTNDArray {width}x{height} {element.TypeName()} test image, {Hz(rate)}, read-only", rate,
            n => pv.Post(Frame(width, height, element, n).Structure));
    }

    private static ServedPv Add(PvSpec spec)
    {
        var nt = NTScalar.Create(ScalarType.Double);
        var pv = ReadOnly(spec, nt.Structure);
        pv.RpcHandler = (argument, _) =>
        {
            // pvcall sends an NTURI with the arguments under "query" (as strings); a plain structure works too.
            var query = argument.TryGetField("query", out var q) ? q : argument.Root;
            var sum = 0.0;
            foreach (var (name, field) in query.Fields)
            {
                if (field.Type.Kind != TypeKind.Scalar)
                {
                    throw new ArgumentException($"argument '{name}' is not a number");
                }

                sum += double.TryParse(field.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                    ? x
                    : throw new ArgumentException($"argument '{name}' is not a number: '{field.GetString()}'");
            }

            var result = NTScalar.Create(ScalarType.Double);
            result.Value = sum;
            result.TimeStamp = PvTimeStamp.Now();
            return ValueTask.FromResult<PvValue?>(result.Structure);
        };
        return new ServedPv(spec.Name, pv, "RPC: returns the sum of its numeric arguments (NTScalar double)");
    }

    private static NTNDArray Frame(int width, int height, ScalarType element, long n)
    {
        var frame = NTNDArray.Create();
        frame.SetImage(element switch
        {
            ScalarType.Byte => Pattern<sbyte>(width, height, n),
            ScalarType.Short => Pattern<short>(width, height, n),
            ScalarType.UShort => Pattern<ushort>(width, height, n),
            ScalarType.Int => Pattern<int>(width, height, n),
            ScalarType.UInt => Pattern<uint>(width, height, n),
            ScalarType.Long => Pattern<long>(width, height, n),
            ScalarType.ULong => Pattern<ulong>(width, height, n),
            ScalarType.Float => Pattern<float>(width, height, n),
            ScalarType.Double => Pattern<double>(width, height, n),
            _ => Pattern<byte>(width, height, n),
        });
        frame.SetDimensions(width, height);
        frame.UniqueId = unchecked((int)n);
        var now = PvTimeStamp.Now();
        frame.DataTimeStamp = now;
        frame.TimeStamp = now;
        return frame;
    }

    // A diagonal ramp (0..255) that moves by 4 per frame, so consecutive frames differ and the image is recognisable.
    private static PvArray Pattern<T>(int width, int height, long n)
        where T : unmanaged, INumber<T>
    {
        var data = new T[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                data[(y * width) + x] = T.CreateTruncating((x + y + (n * 4)) & 0xFF);
            }
        }

        return PvArray.Wrap(data);
    }

    private static ServedPv Writable(PvSpec spec, PvValue initial, string what)
    {
        PvTimeStamp.Now().WriteTo(initial["timeStamp"]);
        var pv = new SharedPv(initial);
        pv.PutHandler = (put, _) =>
        {
            // Stamp the write like a record would, unless the client wrote the time itself.
            if (put.Value.TryGetField("timeStamp", out var ts) && !ts.IsAnyChanged)
            {
                PvTimeStamp.Now().WriteTo(ts);
            }

            pv.Post(put.Value);
            return ValueTask.CompletedTask;
        };
        return new ServedPv(spec.Name, pv, $"{what} = {Current(initial)}, writable");
    }

    private static SharedPv ReadOnly(PvSpec spec, PvValue initial)
    {
        if (initial.TryGetField("timeStamp", out var ts))
        {
            PvTimeStamp.Now().WriteTo(ts);
        }

        return new SharedPv(initial)
        {
            PutHandler = (_, _) => throw new InvalidOperationException($"read-only PV ({spec.Kind})"),
        };
    }

    private static string Current(PvValue value) =>
        value["value"].Type.Kind == TypeKind.Structure ? new NTEnum(value).Choice ?? "?" : value["value"].ToString();

    private static void Init(PvSpec spec, PvValue target, string field, string? text)
    {
        if (text is not null)
        {
            Try(spec, () =>
            {
                PvValueParser.SetField(target, field, text);
                return true;
            });
        }
    }

    private static T Try<T>(PvSpec spec, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw PvSpec.Bad(spec.ToString(), e.Message);
        }
    }

    private static string Hz(double rate) => rate.ToString("0.###", CultureInfo.InvariantCulture) + " Hz";
}
