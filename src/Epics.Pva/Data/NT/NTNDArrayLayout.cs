namespace Epics.Pva.Data.NT;

/// <summary>
/// The NTNDArray field orders seen on the wire (pva-protocol §9.4). Readers never need this (they look fields up by
/// name); it only picks what a server builds.
/// </summary>
public enum NTNDArrayLayout
{
    /// <summary>
    /// normativeTypesCPP / areaDetector NDPluginPva: value (spec member order), codec, compressedSize, uncompressedSize,
    /// dimension, uniqueId, dataTimeStamp, attribute {name, value, descriptor, sourceType, source}, descriptor, alarm,
    /// timeStamp, display (pvDataCPP display_t).
    /// </summary>
    NormativeTypes,

    /// <summary>
    /// What pvaPy (pvapy-ad-sim-server) sends: the normativeTypesCPP order, but the value union members interleaved
    /// signed/unsigned (boolean, byte, ubyte, short, ushort, …) and attributes {name, value, tags, descriptor,
    /// structure alarm, structure timeStamp, sourceType, source}.
    /// </summary>
    PvaPy,

    /// <summary>
    /// pvxs <c>nt::NTNDArray</c> (NDPluginPvxs, p4p): value, codec, compressedSize, uncompressedSize, uniqueId,
    /// dataTimeStamp, alarm, timeStamp, dimension, attribute; no descriptor or display.
    /// </summary>
    Pvxs,
}
