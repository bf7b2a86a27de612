using Epics.Pva.Data;

namespace Epics.Streaming.Processing;

/// <summary>Where <see cref="UserDataProcessor.UpdateOutputChannel"/> sends objects (framework.md §2.4).</summary>
public interface IDataPublisher
{
    /// <summary>Publishes <paramref name="value"/> on the output channel; throws when that fails.</summary>
    void UpdateOutputChannel(PvValue value);

    /// <summary>Objects published so far.</summary>
    long Published { get; }

    /// <summary>Publishing failures so far.</summary>
    long Errors { get; }
}
