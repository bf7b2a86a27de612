using Epics.Pva.Data;

namespace Epics.Pva.Protocol.Messages;

/// <summary>CONNECTION_VALIDATION (0x01), both forms (pva-protocol §6.3, §6.4).</summary>
internal static class ConnectionValidation
{
    public const uint ReceiveBufferSize = 0x10000;
    public const ushort RegistryMaxSize = 0x7FFF;

    private static readonly PvType CaAuthType = PvType.Builder().Add("user", ScalarType.String).Add("host", ScalarType.String).Build();

    // S→C: u32 serverReceiveBufferSize, u16 registryMaxSize, Size + Strings auth methods (ascending preference)
    public static void WriteServer(in PvaWriter w, IReadOnlyList<string> methods)
    {
        w.WriteUInt32(ReceiveBufferSize);
        w.WriteUInt16(RegistryMaxSize);
        w.WriteSize(methods.Count);
        foreach (var m in methods)
        {
            w.WriteString(m);
        }
    }

    public static List<string> ReadServer(ref PvaReader r)
    {
        r.ReadUInt32();
        r.ReadUInt16();
        var n = r.ReadCount(1);
        var methods = new List<string>(n);
        for (var i = 0; i < n; i++)
        {
            methods.Add(r.ReadString());
        }

        return methods;
    }

    // C→S: u32 clientReceiveBufferSize, u16 registryMaxSize, u16 QoS, String method, Type [+ value] auth data
    public static void WriteClient(in PvaWriter w, string method, string user, string host)
    {
        w.WriteUInt32(ReceiveBufferSize);
        w.WriteUInt16(RegistryMaxSize);
        w.WriteUInt16(0);
        w.WriteString(method);
        if (method == "ca")
        {
            var auth = new PvValue(CaAuthType);
            auth["user"].Set(user);
            auth["host"].Set(host);
            TypeCodec.Write(w, CaAuthType);
            ValueCodec.WriteFull(w, auth);
        }
        else
        {
            TypeCodec.Write(w, null);
        }
    }

    /// <summary>The client's choice: its method and, for "ca", the user name it claims.</summary>
    public static (string Method, string? User, string? Host) ReadClient(ref PvaReader r)
    {
        r.ReadUInt32();
        r.ReadUInt16();
        r.ReadUInt16();
        var method = r.ReadString();
        string? user = null, host = null;
        if (!r.IsEmpty)
        {
            var type = TypeCodec.Read(ref r);
            if (type is not null)
            {
                var data = new PvValue(type);
                ValueCodec.ReadFull(ref r, data);
                if (data.TryGetField("user", out var u) && u.Type.IsScalar)
                {
                    user = u.GetString();
                }

                if (data.TryGetField("host", out var h) && h.Type.IsScalar)
                {
                    host = h.GetString();
                }
            }
        }

        return (method, user, host);
    }

    /// <summary>Which offered method a client picks: "ca" if offered, else "anonymous" (pitfall 25).</summary>
    public static string ChooseMethod(IReadOnlyList<string> offered) => offered.Contains("ca") ? "ca" : "anonymous";
}
