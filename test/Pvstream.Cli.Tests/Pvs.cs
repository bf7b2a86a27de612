using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Pvstream.Cli.Tests;

/// <summary>Values the tests serve.</summary>
public static class Pvs
{
    public static SharedPv Double(double value)
    {
        var nt = NTScalar.Create(ScalarType.Double);
        nt.Value = value;
        return new SharedPv(nt.Structure);
    }

    public static SharedPv IntArray(params int[] values)
    {
        var nt = NTScalarArray.Create(ScalarType.Int);
        nt.ValueField.Set(values);
        return new SharedPv(nt.Structure);
    }

    public static SharedPv Enum(params string[] choices) => new(NTEnum.Create(choices).Structure);

    /// <summary>A plain structure like the streaming framework's control channel.</summary>
    public static SharedPv Control()
    {
        var type = PvType.Builder()
            .Add("consumerId", ScalarType.UInt)
            .Add("command", ScalarType.String)
            .Add("args", ScalarType.String)
            .Build();
        var v = new PvValue(type);
        v["consumerId"].Set(1);
        return new SharedPv(v);
    }

    public static SharedPv Image(int width, int height)
    {
        var frame = NTNDArray.Create();
        var pixels = new byte[width * height];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)i;
        }

        frame.SetImage(PvArray.Wrap(pixels));
        frame.SetDimensions(width, height);
        frame.UniqueId = 7;
        return new SharedPv(frame.Structure);
    }

    public static SharedPv ReadOnly(double value)
    {
        var pv = Double(value);
        pv.PutHandler = (_, _) => throw new InvalidOperationException("read-only for the test");
        return pv;
    }

    public static SharedPv Adder()
    {
        var pv = Double(0);
        pv.RpcHandler = (arg, _) =>
        {
            var sum = arg["query"].Fields.Sum(f => double.Parse(f.Field.GetString(), System.Globalization.CultureInfo.InvariantCulture));
            var result = NTScalar.Create(ScalarType.Double);
            result.Value = sum;
            return ValueTask.FromResult<PvValue?>(result.Structure);
        };
        return pv;
    }
}
