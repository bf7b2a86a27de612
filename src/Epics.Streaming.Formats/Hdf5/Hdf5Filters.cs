using PureHDF.Filters;

namespace Epics.Streaming.Formats.Hdf5;

/// <summary>The HDF5 compression filters detector files use, registered once with PureHDF.</summary>
internal static class Hdf5Filters
{
    private static readonly Lazy<IReadOnlyList<Hdf5CodecFilter>> All = new(Register);

    /// <summary>Makes PureHDF decode lz4 (32004), bitshuffle/bslz4 (32008) and blosc (32001) chunks.</summary>
    public static void EnsureRegistered() => _ = All.Value;

    /// <summary>Our filter for an HDF5 filter id, or null when we have none.</summary>
    public static Hdf5CodecFilter? Find(ushort id) => All.Value.FirstOrDefault(f => f.FilterId == id);

    private static IReadOnlyList<Hdf5CodecFilter> Register()
    {
        Hdf5CodecFilter[] filters = [new Hdf5Lz4Filter(), new Hdf5BitshuffleFilter(), new Hdf5BloscFilter()];
        foreach (var filter in filters)
        {
            H5Filter.Register(filter);
        }

        return filters;
    }
}
