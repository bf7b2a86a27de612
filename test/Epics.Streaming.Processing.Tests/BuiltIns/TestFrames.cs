using System.Diagnostics;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;

namespace Epics.Streaming.Processing.Tests.BuiltIns;

/// <summary>Frames, a capturing publisher and helpers shared by the built-in processor tests.</summary>
internal static class TestFrames
{
    public static PvValue Frame(ScalarType type, int id, int nx = 16, int ny = 8, NDColorMode color = NDColorMode.Mono, bool attributes = true)
    {
        var shape = new ImageShape(nx, ny, color);
        var frame = NTNDArray.Create();
        var pixels = PvArray.Allocate(type, shape.Elements);
        new Random((id * 31) + (int)type).NextBytes(pixels.WritableBytes);
        if (type is ScalarType.Float or ScalarType.Double)
        {
            // Finite, distinct values for the writers that scale.
            for (var i = 0; i < shape.Elements; i++)
            {
                if (type == ScalarType.Float)
                {
                    pixels.GetWritableSpan<float>()[i] = (i * 0.25f) - 7;
                }
                else
                {
                    pixels.GetWritableSpan<double>()[i] = (i * 0.25) - 7;
                }
            }
        }

        frame.SetImage(pixels, shape);
        frame.UniqueId = id;
        frame.TimeStamp = new PvTimeStamp(1_700_000_000 + id, 123_000 * id);
        frame.DataTimeStamp = new PvTimeStamp(1_700_000_000 + id, 456_000 * id);
        if (attributes)
        {
            frame.SetAttribute("Exposure", 0.25 * id);
            frame.SetAttribute("Gain", id);
            frame.SetAttribute("Sample", $"sample-{id}");
            frame.SetAttribute("ColorMode", (int)color);
        }

        return frame.Structure;
    }

    public static string? Python()
    {
        var python = Environment.GetEnvironmentVariable("PVSTREAM_PVAPY_PYTHON");
        foreach (var candidate in new[] { python, "/usr/bin/python3", "python3" })
        {
            if (candidate is not null && Run(candidate, "-c \"import numpy\"", out _) == 0)
            {
                return candidate;
            }
        }

        return null;
    }

    public static int Run(string file, string arguments, out string output, int timeoutMs = 60_000)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutMs))
            {
                process.Kill(true);
                output = "timeout";
                return -1;
            }

            output = stdout.Result + stderr.Result;
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return -1;
        }
    }

    /// <summary>A Python module is importable by <paramref name="python"/>.</summary>
    public static bool Has(string? python, string module) => python is not null && Run(python, $"-c \"import {module}\"", out _) == 0;

    public sealed class CapturingPublisher : IDataPublisher
    {
        public List<PvValue> Values { get; } = [];

        public long Published => Values.Count;

        public long Errors => 0;

        public void UpdateOutputChannel(PvValue value) => Values.Add(value.Clone());
    }

    public static T Attach<T>(T processor, CapturingPublisher publisher)
        where T : UserDataProcessor
    {
        processor.OutputChannel = "test:output";
        processor.DataPublisher = publisher;
        return processor;
    }

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "pvstream-builtins-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
