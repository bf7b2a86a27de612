using System.Globalization;
using Epics.Pva.Data;

namespace Epics.Pva.Throughput;

/// <summary>
/// Command line of every role: <c>[role] [--frames WxH] [--type uint8] [--seconds N] [--queue N] [--subscribers N]
/// [--attributes N] [--all | --big] [--repeat N] [--no-iperf] [--socket-mode blocking|async] [--socket-buffer BYTES]
/// [--socket-lowat BYTES] [--socket-io BYTES] [--ceilings-only] [--distinct N]</c>.
/// </summary>
internal sealed record HarnessOptions
{
    public string Role { get; init; } = "run";

    public int Width { get; init; } = 128;

    public int Height { get; init; } = 128;

    public ScalarType Type { get; init; } = ScalarType.UByte;

    public double Seconds { get; init; } = 10;

    public double WarmupSeconds { get; init; } = 2;

    /// <summary>Monitor queueSize (and pipeline window); 0 = chosen from the frame size.</summary>
    public int Queue { get; init; }

    public bool All { get; init; }

    /// <summary>Runs of each scenario; with more than one, a table of medians follows.</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>Only the large-frame scenarios of --all (to run them when the machine is quietest).</summary>
    public bool Big { get; init; }

    /// <summary>Pipelined monitors the client opens on the one PV (one connection).</summary>
    public int Subscribers { get; init; } = 1;

    /// <summary>NTAttributes on every frame, set once and unchanged afterwards.</summary>
    public int Attributes { get; init; }

    /// <summary>Run iperf3 over loopback next to large-frame scenarios when it is installed.</summary>
    public bool Iperf { get; init; } = true;

    /// <summary>Monitor with pipeline=true (flow control by acks); --no-pipeline for a plain queued monitor.</summary>
    public bool Pipeline { get; init; } = true;

    /// <summary>Run the plain-socket baseline alongside a PVA run (always on for frames of 1 MiB or more).</summary>
    public bool Baseline { get; init; }

    /// <summary>Socket pair baseline: "async" (the default, measured faster here) or "blocking" (dedicated threads, blocking calls).</summary>
    public string SocketMode { get; init; } = "async";

    /// <summary>SO_SNDBUF/SO_RCVBUF for the socket pair; 0 leaves the kernel's autotuning on.</summary>
    public int SocketBufferBytes { get; init; }

    /// <summary>SO_RCVLOWAT of the socket pair's reader (the frames stream back to back, so it never waits in vain); 0 = off.</summary>
    public int SocketLowWater { get; init; } = 1024 * 1024;

    /// <summary>Most bytes per send and per receive call of the socket pair (iperf3 -l 1M moves 1 MiB per call); 0 = the rest of the frame.</summary>
    public int SocketIoBytes { get; init; }

    /// <summary>Only the ceilings (socket pair and iperf3), no PVA run: for tuning the baseline against iperf3.</summary>
    public bool CeilingsOnly { get; init; }

    /// <summary>
    /// 0 (the default): each frame is a fresh pooled buffer, and the pool hands back the one sent last, still in the
    /// caches. N: the server cycles through N pre-filled frames, as the simulator does with <c>-nf N</c>, so the send
    /// reads frames from memory instead.
    /// </summary>
    public int DistinctFrames { get; init; }

    public int UdpPort { get; init; }

    public int TcpPort { get; init; }

    public long FrameBytes => (long)Width * Height * Type.ElementSize();

    public int EffectiveQueue => Queue > 0 ? Queue : FrameBytes <= 1024 * 1024 ? 64 : 4;

    public string FrameText => $"{Width}x{Height} {TypeText(Type)}";

    public string ScenarioText => $"{FrameText}, {Subscribers} sub, {Attributes} attr";

    public static string TypeText(ScalarType type) => type switch
    {
        ScalarType.Byte => "int8",
        ScalarType.UByte => "uint8",
        ScalarType.Short => "int16",
        ScalarType.UShort => "uint16",
        ScalarType.Int => "int32",
        ScalarType.UInt => "uint32",
        ScalarType.Long => "int64",
        ScalarType.ULong => "uint64",
        _ => type.TypeName(),
    };

    public static HarnessOptions Parse(string[] args)
    {
        var o = new HarnessOptions();
        var i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            o = o with { Role = args[0] };
            i = 1;
        }

        for (; i < args.Length; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            o = name switch
            {
                "--frames" => ParseFrames(o, Next()),
                "--type" => o with { Type = ScalarTypes.TryParse(Next(), out var t) && t != ScalarType.String ? t : throw new ArgumentException($"unknown --type {args[i]}") },
                "--seconds" => o with { Seconds = ParsePositive(name, Next()) },
                "--warmup" => o with { WarmupSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--queue" => o with { Queue = (int)ParsePositive(name, Next()) },
                "--all" => o with { All = true },
                "--repeat" => o with { Repeat = (int)ParsePositive(name, Next()) },
                "--big" => o with { Big = true },
                "--subscribers" => o with { Subscribers = (int)ParsePositive(name, Next()) },
                "--attributes" => o with { Attributes = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--no-iperf" => o with { Iperf = false },
                "--no-pipeline" => o with { Pipeline = false },
                "--baseline" => o with { Baseline = true },
                "--socket-mode" => o with { SocketMode = Next() is "async" or "blocking" ? args[i] : throw new ArgumentException("--socket-mode wants async or blocking") },
                "--socket-buffer" => o with { SocketBufferBytes = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--socket-lowat" => o with { SocketLowWater = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--socket-io" => o with { SocketIoBytes = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--ceilings-only" => o with { CeilingsOnly = true, Baseline = true },
                "--distinct" => o with { DistinctFrames = (int)ParsePositive(name, Next()) },
                "--udp" => o with { UdpPort = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--tcp" => o with { TcpPort = int.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return o;
    }

    /// <summary>The arguments that reproduce the scenario part of these options in a child process.</summary>
    public IEnumerable<string> ScenarioArgs() =>
    [
        "--frames", $"{Width}x{Height}", "--type", Type.TypeName(),
        "--seconds", Seconds.ToString(CultureInfo.InvariantCulture), "--warmup", WarmupSeconds.ToString(CultureInfo.InvariantCulture),
        "--queue", EffectiveQueue.ToString(CultureInfo.InvariantCulture), "--socket-mode", SocketMode,
        "--socket-buffer", SocketBufferBytes.ToString(CultureInfo.InvariantCulture), "--socket-lowat", SocketLowWater.ToString(CultureInfo.InvariantCulture),
        "--socket-io", SocketIoBytes.ToString(CultureInfo.InvariantCulture),
        "--subscribers", Subscribers.ToString(CultureInfo.InvariantCulture), "--attributes", Attributes.ToString(CultureInfo.InvariantCulture),
        .. DistinctFrames > 0 ? ["--distinct", DistinctFrames.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(), .. Pipeline ? Array.Empty<string>() : ["--no-pipeline"],
    ];

    private static HarnessOptions ParseFrames(HarnessOptions o, string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var w) ||
            !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var h) || w <= 0 || h <= 0)
        {
            throw new ArgumentException($"--frames wants WxH, not '{text}'");
        }

        return o with { Width = w, Height = h };
    }

    private static double ParsePositive(string name, string text) =>
        double.TryParse(text, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} wants a positive number");
}
