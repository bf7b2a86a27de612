namespace Epics.Streaming;

/// <summary>What an <see cref="AdSimServer"/> run published.</summary>
/// <param name="PublishedFrames">Frames published.</param>
/// <param name="Runtime">Seconds from the first to the last published frame.</param>
/// <param name="FrameRate">Achieved rate: (frames − 1) / runtime.</param>
/// <param name="DataRateMBps">Frame bytes per second / 1e6.</param>
/// <param name="MeanPacingError">Mean lateness of a frame against its deadline, seconds (0 when unpaced).</param>
/// <param name="MaxPacingError">Largest lateness, seconds.</param>
/// <param name="CpuSecondsPerFrame">Process CPU time per published frame while publishing, seconds.</param>
public sealed record AdSimStatistics(
    long PublishedFrames,
    double Runtime,
    double FrameRate,
    double DataRateMBps,
    double MeanPacingError,
    double MaxPacingError,
    double CpuSecondsPerFrame);
