using Epics.Pva.Data;

namespace Epics.Streaming;

/// <summary>
/// Something an <see cref="AdSimServer"/> reports while it runs (<see cref="AdSimServer.Reported"/>). The library
/// prints nothing: a host turns these into text (pvstream prints them the way pvapy-ad-sim-server does) or ignores
/// them. Handlers run on the simulator's threads, the per-frame ones on the publishing thread, so they must be quick.
/// </summary>
public abstract record AdSimEvent;

/// <summary>A remark on the input: a file skipped (and why) or a note on how a file is read.</summary>
/// <param name="Message">One line for the operator.</param>
public sealed record AdSimInputMessage(string Message) : AdSimEvent;

/// <summary>The frames are ready and the records are about to be served.</summary>
/// <param name="Random">The generated frames' description when no files are read, else null.</param>
/// <param name="TotalFrames">Distinct frames (random or read).</param>
/// <param name="Shape">The first frame's geometry and element type.</param>
/// <param name="FrameBytes">Bytes of an uncompressed frame.</param>
/// <param name="Codec">The codec frames are published with, or "" when uncompressed.</param>
/// <param name="PublishedBytes">Bytes of the first frame as published (the compressed size with a codec).</param>
/// <param name="DistinctLimited">True when fewer distinct random frames were generated to bound memory.</param>
/// <param name="MaxRandomCacheBytes">That memory bound.</param>
/// <param name="QueueMode">True when frames pass through a queue once, false when cycled from the cache.</param>
/// <param name="CacheSize">The cache size.</param>
/// <param name="FrameRate">The frame rate asked for (≤ 0: as fast as possible).</param>
/// <param name="StartDelay">Seconds the simulator waits after serving before the first frame.</param>
public sealed record AdSimFramesReady(
    AdSimRandomFrames? Random,
    int TotalFrames,
    Frames.FrameShape Shape,
    long FrameBytes,
    string Codec,
    long PublishedBytes,
    bool DistinctLimited,
    long MaxRandomCacheBytes,
    bool QueueMode,
    int CacheSize,
    double FrameRate,
    double StartDelay) : AdSimEvent;

/// <summary>How random frames are generated.</summary>
/// <param name="ColorMode">The colour mode (0, 2, 3 or 4).</param>
/// <param name="Nx">Width.</param>
/// <param name="Ny">Height.</param>
/// <param name="ElementType">Element type.</param>
/// <param name="RangeText">The value range, as pvapy prints it (<c>[0, 256)</c>, ...).</param>
public sealed record AdSimRandomFrames(int ColorMode, int Nx, int Ny, ScalarType ElementType, string RangeText);

/// <summary>Every <see cref="AdSimServerOptions.ReportPeriod"/> frames: where publishing stands.</summary>
/// <param name="FrameId">The uniqueId just published.</param>
/// <param name="WallSeconds">Its time stamp, Unix seconds.</param>
/// <param name="FrameRate">Frames per second so far.</param>
/// <param name="Runtime">Seconds since the first frame.</param>
public sealed record AdSimProgress(long FrameId, double WallSeconds, double FrameRate, double Runtime) : AdSimEvent;

/// <summary>The background producer has built every frame (dictionary mode) or fed the whole input (queue mode).</summary>
/// <param name="Frames">Frames it produced.</param>
public sealed record AdSimProducerDone(int Frames) : AdSimEvent;

/// <summary>The outcome of writing the notify PV (<see cref="AdSimServerOptions.NotifyPv"/>).</summary>
/// <param name="Pv">The PV.</param>
/// <param name="Value">The value written.</param>
/// <param name="Error">Why it failed, or null when it was written.</param>
public sealed record AdSimNotified(string Pv, string Value, string? Error) : AdSimEvent;

/// <summary>Publishing has ended.</summary>
/// <param name="Reason">Why.</param>
/// <param name="PublishedFrames">Frames published.</param>
/// <param name="Elapsed">Seconds since the records were served (including the start delay).</param>
public sealed record AdSimPublishingEnded(AdSimStopReason Reason, long PublishedFrames, double Elapsed) : AdSimEvent;

/// <summary>Why an <see cref="AdSimServer"/> stopped publishing.</summary>
public enum AdSimStopReason
{
    /// <summary><see cref="AdSimServerOptions.Runtime"/> seconds have passed since the first frame.</summary>
    RuntimeReached,

    /// <summary>Queue mode: every input frame has been published once.</summary>
    AllFramesPublished,

    /// <summary>Queue mode: the queue stayed empty longer than a frame period.</summary>
    QueueEmptied,

    /// <summary><see cref="AdSimServer.StopAsync"/> was called or the run was cancelled.</summary>
    Stopped,
}
