using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Epics.Streaming.Processors.Encryption;

/// <summary>
/// Reads an unencrypted RSA key from OpenSSH's private key format (<c>openssh-key-v1</c>, what <c>ssh-keygen</c> writes
/// by default): a magic string, cipher and KDF names (both <c>none</c> here), one public key, then the private section
/// with two equal check words, key type, n, e, d, iqmp, p, q and a comment, all in SSH wire encoding (RFC 4251).
/// </summary>
internal static class OpenSshPrivateKey
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("openssh-key-v1\0");

    public static RSAParameters ReadRsa(ReadOnlySpan<byte> blob)
    {
        if (!blob.StartsWith(Magic))
        {
            throw new InvalidDataException("not an openssh-key-v1 private key");
        }

        var reader = new SshReader(blob[Magic.Length..]);
        var cipher = Encoding.ASCII.GetString(reader.ReadString());
        var kdf = Encoding.ASCII.GetString(reader.ReadString());
        if (cipher != "none" || kdf != "none")
        {
            throw new InvalidDataException($"the key is protected by a passphrase ({cipher}/{kdf}), which is not supported (remove it with ssh-keygen -p)");
        }

        reader.ReadString(); // KDF options
        if (reader.ReadUInt32() != 1)
        {
            throw new InvalidDataException("the file must hold exactly one key");
        }

        reader.ReadString(); // public key (repeated in the private section)
        var section = new SshReader(reader.ReadString());
        if (section.ReadUInt32() != section.ReadUInt32())
        {
            throw new InvalidDataException("the private section's check words differ (corrupt key)");
        }

        var type = Encoding.ASCII.GetString(section.ReadString());
        if (type != "ssh-rsa")
        {
            throw new InvalidDataException($"the key is {type}, not RSA (create one with ssh-keygen -t rsa)");
        }

        var n = section.ReadMpint();
        var e = section.ReadMpint();
        var d = section.ReadMpint();
        var iqmp = section.ReadMpint();
        var p = section.ReadMpint();
        var q = section.ReadMpint();

        var modulusLength = (int)((n.GetBitLength() + 7) / 8);
        var halfLength = (modulusLength + 1) / 2;
        return new RSAParameters
        {
            Modulus = Unsigned(n, modulusLength),
            Exponent = Unsigned(e, 0),
            D = Unsigned(d, modulusLength),
            P = Unsigned(p, halfLength),
            Q = Unsigned(q, halfLength),
            DP = Unsigned(d % (p - 1), halfLength),
            DQ = Unsigned(d % (q - 1), halfLength),
            InverseQ = Unsigned(iqmp, halfLength),
        };
    }

    // Big-endian unsigned bytes, left-padded to length (RSAParameters wants D as long as the modulus and the CRT values half).
    private static byte[] Unsigned(BigInteger value, int length)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (bytes.Length >= length)
        {
            return bytes;
        }

        var padded = new byte[length];
        bytes.CopyTo(padded, length - bytes.Length);
        return padded;
    }

    private ref struct SshReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public uint ReadUInt32()
        {
            if (_data.Length < 4)
            {
                throw new InvalidDataException("the key ends early");
            }

            var value = BinaryPrimitives.ReadUInt32BigEndian(_data);
            _data = _data[4..];
            return value;
        }

        public ReadOnlySpan<byte> ReadString()
        {
            var length = ReadUInt32();
            if (length > (uint)_data.Length)
            {
                throw new InvalidDataException("the key ends early");
            }

            var value = _data[..(int)length];
            _data = _data[(int)length..];
            return value;
        }

        public BigInteger ReadMpint() => new(ReadString(), isUnsigned: false, isBigEndian: true);
    }
}
