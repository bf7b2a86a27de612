namespace Epics.Pva.Protocol;

/// <summary>Application command codes (pva-protocol §1.8).</summary>
internal enum PvaCommand : byte
{
    Beacon = 0x00,
    ConnectionValidation = 0x01,
    Echo = 0x02,
    Search = 0x03,
    SearchResponse = 0x04,
    AuthNZ = 0x05,
    AclChange = 0x06,
    CreateChannel = 0x07,
    DestroyChannel = 0x08,
    ConnectionValidated = 0x09,
    Get = 0x0A,
    Put = 0x0B,
    PutGet = 0x0C,
    Monitor = 0x0D,
    Array = 0x0E,
    DestroyRequest = 0x0F,
    Process = 0x10,
    GetField = 0x11,
    Message = 0x12,
    MultipleData = 0x13,
    Rpc = 0x14,
    CancelRequest = 0x15,
    OriginTag = 0x16,
}

/// <summary>Control command codes (flags bit 0 set; header only, pva-protocol §1.5).</summary>
internal enum PvaControlCommand : byte
{
    SetMarker = 0,
    AckMarker = 1,
    SetByteOrder = 2,
    EchoRequest = 3,
    EchoResponse = 4,
}
