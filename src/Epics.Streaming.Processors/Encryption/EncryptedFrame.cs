using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Epics.Pva;
using Epics.Pva.Data;

namespace Epics.Streaming.Processors.Encryption;

/// <summary>
/// The encrypted envelope of one frame (docs/encryption.md): the whole input object serialized with
/// <see cref="PvSerialization"/>, encrypted with AES-256-GCM under a fresh key that is wrapped with RSA-OAEP-SHA256;
/// the object id and the cipher description are authenticated as associated data, and an optional RSA-PSS-SHA256
/// signature covers everything else.
/// </summary>
public static class EncryptedFrame
{
    /// <summary>The structure id of the envelope.</summary>
    public const string TypeId = "pvstream:EncryptedData:1.0";

    /// <summary>The structure id of its <c>cipher</c> description.</summary>
    public const string CipherTypeId = "pvstream:Cipher:1.0";

    /// <summary><c>cipher.name</c>: the content encryption.</summary>
    public const string CipherName = "AES-256-GCM";

    /// <summary><c>cipher.keyWrap</c>: how the AES key is wrapped.</summary>
    public const string KeyWrapName = "RSA-OAEP-SHA256";

    /// <summary><c>cipher.signature</c> when the frame is signed.</summary>
    public const string SignatureName = "RSA-PSS-SHA256";

    /// <summary><c>cipher.payload</c>: how the plaintext encodes the object.</summary>
    public const string PayloadName = "pva-le";

    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>The envelope's type.</summary>
    public static PvType Type { get; } = PvType.Builder(TypeId)
        .Add("objectId", ScalarType.ULong)
        .AddArray("data", ScalarType.UByte)
        .AddArray("tag", ScalarType.UByte)
        .AddArray("nonce", ScalarType.UByte)
        .AddArray("key", ScalarType.UByte)
        .AddArray("signature", ScalarType.UByte)
        .AddStructure("cipher", CipherTypeId, c => c
            .Add("name", ScalarType.String)
            .Add("keyWrap", ScalarType.String)
            .Add("signature", ScalarType.String)
            .Add("payload", ScalarType.String))
        .Build();

    /// <summary>
    /// The envelope of <paramref name="value"/> with <paramref name="objectId"/>, keyed for the holder of
    /// <paramref name="key"/>'s private part and signed with it when <paramref name="sign"/>.
    /// <paramref name="scratch"/> (reused between calls, then cleared) holds the plaintext.
    /// </summary>
    public static PvValue Encrypt(PvValue value, ulong objectId, RSA key, bool sign, ArrayBufferWriter<byte> scratch)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(scratch);
        scratch.ResetWrittenCount();
        PvSerialization.Serialize(value, scratch);
        var plaintext = scratch.WrittenSpan;

        Span<byte> aesKey = stackalloc byte[KeySize];
        RandomNumberGenerator.Fill(aesKey);
        var nonce = new byte[NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var tag = new byte[TagSize];
        var data = PvArray.Allocate(ScalarType.UByte, plaintext.Length);
        var signatureName = sign ? SignatureName : string.Empty;
        var associated = AssociatedData(objectId, CipherName, KeyWrapName, signatureName, PayloadName);
        using (var gcm = new AesGcm(aesKey, TagSize))
        {
            gcm.Encrypt(nonce, plaintext, data.WritableBytes, tag, associated);
        }

        var wrapped = key.Encrypt(aesKey.ToArray(), RSAEncryptionPadding.OaepSHA256);
        CryptographicOperations.ZeroMemory(aesKey);
        scratch.Clear();
        var signature = sign
            ? key.SignHash(SignedHash(associated, nonce, wrapped, tag, data.Bytes), HashAlgorithmName.SHA256, RSASignaturePadding.Pss)
            : [];

        var envelope = new PvValue(Type);
        envelope["objectId"].Set(objectId);
        envelope["data"].SetArray(data);
        envelope["tag"].Set(tag);
        envelope["nonce"].Set(nonce);
        envelope["key"].Set(wrapped);
        envelope["signature"].Set(signature);
        envelope["cipher.name"].Set(CipherName);
        envelope["cipher.keyWrap"].Set(KeyWrapName);
        envelope["cipher.signature"].Set(signatureName);
        envelope["cipher.payload"].Set(PayloadName);
        return envelope;
    }

    /// <summary>
    /// The object inside <paramref name="envelope"/>, checked: the tag always, the signature when there is one, and a
    /// signature is required when <paramref name="requireSignature"/>.
    /// </summary>
    /// <exception cref="EncryptedFrameRejectedException">The envelope is malformed, altered, truncated, for another key or unsigned when a signature is required.</exception>
    public static PvValue Decrypt(PvValue envelope, RSA key, bool requireSignature)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(key);
        if (!envelope.TryGetField("data", out var dataField) || !envelope.TryGetField("cipher", out _)
            || !envelope.TryGetField("objectId", out var idField))
        {
            throw new EncryptedFrameRejectedException($"not an encrypted frame (structure {envelope.Type.DisplayId})");
        }

        var name = ReadString(envelope, "cipher.name");
        var keyWrap = ReadString(envelope, "cipher.keyWrap");
        var signatureName = ReadString(envelope, "cipher.signature");
        var payload = ReadString(envelope, "cipher.payload");
        if (name != CipherName || keyWrap != KeyWrapName || payload != PayloadName || (signatureName.Length > 0 && signatureName != SignatureName))
        {
            throw new EncryptedFrameRejectedException($"Unsupported cipher {name}/{keyWrap}/{signatureName}/{payload}");
        }

        var nonce = ReadBytes(envelope, "nonce");
        var tag = ReadBytes(envelope, "tag");
        var wrapped = ReadBytes(envelope, "key");
        var signature = ReadBytes(envelope, "signature");
        var data = dataField.GetArray();
        if (nonce.Length != NonceSize || tag.Length != TagSize || data.ElementType != ScalarType.UByte)
        {
            throw new EncryptedFrameRejectedException("malformed encrypted frame (nonce, tag or data)");
        }

        var associated = AssociatedData(idField.GetUInt64(), name, keyWrap, signatureName, payload);
        if (signatureName.Length > 0 || requireSignature)
        {
            if (signatureName.Length == 0 || signature.Length == 0)
            {
                throw new EncryptedFrameRejectedException("the frame is not signed and verify is on");
            }

            if (!key.VerifyHash(SignedHash(associated, nonce, wrapped, tag, data.Bytes), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss))
            {
                throw new EncryptedFrameRejectedException("the signature does not match");
            }
        }

        byte[] aesKey;
        try
        {
            aesKey = key.Decrypt(wrapped, RSAEncryptionPadding.OaepSHA256);
        }
        catch (CryptographicException e)
        {
            throw new EncryptedFrameRejectedException("the AES key cannot be unwrapped (another RSA key, or altered)", e);
        }

        var plaintext = ArrayPool<byte>.Shared.Rent(Math.Max(data.Count, 1));
        try
        {
            if (aesKey.Length != KeySize)
            {
                throw new EncryptedFrameRejectedException($"the wrapped key has {aesKey.Length} bytes, not {KeySize}");
            }

            using (var gcm = new AesGcm(aesKey, TagSize))
            {
                gcm.Decrypt(nonce, data.Bytes, tag, plaintext.AsSpan(0, data.Count), associated);
            }

            return PvSerialization.Deserialize(plaintext.AsSpan(0, data.Count));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new EncryptedFrameRejectedException("the authentication tag does not match (altered or truncated frame, or another key)", e);
        }
        catch (PvaProtocolException e)
        {
            throw new EncryptedFrameRejectedException($"the decrypted object does not decode: {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
            CryptographicOperations.ZeroMemory(plaintext.AsSpan(0, data.Count));
            ArrayPool<byte>.Shared.Return(plaintext);
        }
    }

    // The object id and the cipher description, bound to the ciphertext by the tag.
    private static byte[] AssociatedData(ulong objectId, string name, string keyWrap, string signature, string payload)
    {
        var text = Encoding.UTF8.GetBytes($"{TypeId}\0{name}\0{keyWrap}\0{signature}\0{payload}");
        var result = new byte[8 + text.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, objectId);
        text.CopyTo(result, 8);
        return result;
    }

    private static byte[] SignedHash(byte[] associated, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(associated);
        hash.AppendData(nonce);
        hash.AppendData(wrapped);
        hash.AppendData(tag);
        hash.AppendData(data);
        return hash.GetHashAndReset();
    }

    private static string ReadString(PvValue envelope, string path) =>
        envelope.TryGetField(path, out var f) && f.Type.Kind == TypeKind.Scalar ? f.GetString() : string.Empty;

    private static byte[] ReadBytes(PvValue envelope, string path) =>
        envelope.TryGetField(path, out var f) && f.Type.Kind == TypeKind.ScalarArray && f.GetArray() is { ElementType: ScalarType.UByte } a
            ? a.Bytes.ToArray()
            : [];
}

/// <summary>An encrypted frame that fails a check (tag, signature, key, format); it is counted and dropped.</summary>
public sealed class EncryptedFrameRejectedException : Exception
{
    /// <summary>A rejection.</summary>
    public EncryptedFrameRejectedException()
    {
    }

    /// <summary>A rejection for <paramref name="message"/>.</summary>
    public EncryptedFrameRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>A rejection for <paramref name="message"/> caused by <paramref name="inner"/>.</summary>
    public EncryptedFrameRejectedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
