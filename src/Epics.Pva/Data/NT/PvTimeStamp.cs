using Epics.Pva.Data.NT.Internal;

namespace Epics.Pva.Data.NT;

/// <summary>
/// The contents of a <c>time_t</c> structure: seconds since the POSIX epoch (1970, not the CA epoch 1990), nanoseconds
/// and a user tag.
/// </summary>
/// <param name="SecondsPastEpoch">Seconds since 1970-01-01 UTC.</param>
/// <param name="Nanoseconds">Nanoseconds within the second (0..999999999).</param>
/// <param name="UserTag">A user-defined tag.</param>
public readonly record struct PvTimeStamp(long SecondsPastEpoch, int Nanoseconds, int UserTag = 0)
{
    /// <summary>Seconds from the POSIX epoch to the EPICS (CA) epoch 1990-01-01.</summary>
    public const long EpicsEpochOffset = 631152000;

    /// <summary>True when the stamp is at or before the EPICS epoch with no nanoseconds, which tools print as <c>&lt;undefined&gt;</c>.</summary>
    public bool IsUndefined => SecondsPastEpoch <= EpicsEpochOffset && Nanoseconds == 0;

    /// <summary>The stamp for an instant (100 ns resolution).</summary>
    public static PvTimeStamp FromDateTimeOffset(DateTimeOffset time, int userTag = 0)
    {
        var ticks = time.UtcTicks - DateTime.UnixEpoch.Ticks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem);
        if (rem < 0)
        {
            seconds--;
            rem += TimeSpan.TicksPerSecond;
        }

        return new PvTimeStamp(seconds, (int)(rem * 100), userTag);
    }

    /// <summary>The current time from <paramref name="timeProvider"/> (default: the system clock).</summary>
    public static PvTimeStamp Now(TimeProvider? timeProvider = null) =>
        FromDateTimeOffset((timeProvider ?? TimeProvider.System).GetUtcNow());

    /// <summary>The instant (UTC), truncated to 100 ns.</summary>
    public DateTimeOffset ToDateTimeOffset() =>
        new(DateTime.UnixEpoch.Ticks + (SecondsPastEpoch * TimeSpan.TicksPerSecond) + (Nanoseconds / 100), TimeSpan.Zero);

    /// <summary>Reads a time structure by field name; absent fields read as 0.</summary>
    public static PvTimeStamp Read(PvField timeStamp) => new(
        NTFields.GetInt64(timeStamp, "secondsPastEpoch"),
        NTFields.GetInt32(timeStamp, "nanoseconds"),
        NTFields.GetInt32(timeStamp, "userTag"));

    /// <summary>Writes into a time structure (fields it lacks are skipped).</summary>
    public void WriteTo(PvField timeStamp)
    {
        NTFields.TrySet(timeStamp, "secondsPastEpoch", SecondsPastEpoch);
        NTFields.TrySet(timeStamp, "nanoseconds", Nanoseconds);
        NTFields.TrySet(timeStamp, "userTag", UserTag);
    }
}
