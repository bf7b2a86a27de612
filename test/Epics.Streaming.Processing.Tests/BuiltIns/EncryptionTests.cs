using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;
using Epics.Streaming.Processors.Encryption;
using Epics.Streaming.Processors.Loading;

namespace Epics.Streaming.Processing.Tests.BuiltIns;

public sealed class EncryptionTests : IDisposable
{
    private readonly string _dir = TestFrames.TempDirectory();
    private readonly string _keyPath;

    // One key for the class: generating RSA keys is the slow part of these tests.
    private static readonly Lazy<string> KeyPem = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportRSAPrivateKeyPem();
    });

    public EncryptionTests()
    {
        _keyPath = Path.Combine(_dir, "key.pem");
        File.WriteAllText(_keyPath, KeyPem.Value);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (AdImageDataEncryptor Encryptor, AdImageDataDecryptor Decryptor, TestFrames.CapturingPublisher Encrypted, TestFrames.CapturingPublisher Decrypted)
        Stages(bool sign = false, bool verify = false, string? decryptKey = null)
    {
        var encrypted = new TestFrames.CapturingPublisher();
        var decrypted = new TestFrames.CapturingPublisher();
        var encryptor = TestFrames.Attach(new AdImageDataEncryptor(new JsonObject { ["privateKeyFilePath"] = _keyPath, ["sign"] = sign }), encrypted);
        var decryptor = TestFrames.Attach(new AdImageDataDecryptor(new JsonObject
        {
            ["privateKeyFilePath"] = decryptKey ?? _keyPath, ["verify"] = verify, ["objectIdField"] = "objectId",
        }), decrypted);
        return (encryptor, decryptor, encrypted, decrypted);
    }

    [Theory]
    [InlineData(ScalarType.UByte, null)]
    [InlineData(ScalarType.Short, null)]
    [InlineData(ScalarType.UShort, "bslz4")]
    [InlineData(ScalarType.Int, "lz4")]
    [InlineData(ScalarType.Float, null)]
    [InlineData(ScalarType.Double, "bslz4")]
    public void A_frame_comes_back_bit_for_bit(ScalarType type, string? codec)
    {
        var (encryptor, decryptor, encrypted, decrypted) = Stages(sign: true, verify: true);
        using var frame = TestFrames.Frame(type, 42);
        if (codec is not null)
        {
            NdArrayCodec.Compress(frame, codec);
        }

        encryptor.Process(frame);
        var envelope = Assert.Single(encrypted.Values);
        Assert.Equal(EncryptedFrame.TypeId, envelope.Type.Id);
        Assert.Equal(42UL, envelope["objectId"].GetUInt64());
        Assert.Equal(ScalarType.UByte, envelope["data"].GetArray().ElementType);
        Assert.NotEmpty(envelope["signature"].GetArray().Bytes.ToArray());

        decryptor.Process(envelope);
        var restored = Assert.Single(decrypted.Values);
        Assert.Equal(PvSerialization.Serialize(frame), PvSerialization.Serialize(restored));
        Assert.Equal(codec ?? string.Empty, new NTNDArray(restored).CodecName);
        Assert.Equal("sample-42", new NTNDArray(restored).FindAttribute("Sample")!.Value.Value);
        Assert.Equal(1L, decryptor.GetStats()["nDecrypted"]);
        Assert.Equal(1L, encryptor.GetStats()["nEncrypted"]);
        Assert.Equal(0L, decryptor.Rejected);
    }

    [Fact]
    public void A_colour_frame_keeps_its_layout_and_ids()
    {
        var (encryptor, decryptor, encrypted, decrypted) = Stages();
        using var frame = TestFrames.Frame(ScalarType.UShort, 7, color: NDColorMode.RGB2);
        encryptor.Process(frame);
        decryptor.Process(encrypted.Values[0]);
        var restored = new NTNDArray(decrypted.Values[0]);
        Assert.Equal(new NTNDArray(frame).ImageShape, restored.ImageShape);
        Assert.Equal(7, restored.UniqueId);
        Assert.Equal(new NTNDArray(frame).TimeStamp, restored.TimeStamp);
        Assert.Equal(new NTNDArray(frame).Image.Bytes.ToArray(), restored.Image.Bytes.ToArray());
    }

    public static TheoryData<string> Fields => ["data", "tag", "nonce", "key", "objectId", "cipher.name", "cipher.payload", "signature"];

    [Theory]
    [MemberData(nameof(Fields))]
    public void A_flipped_byte_anywhere_is_rejected_and_counted(string field)
    {
        var (encryptor, decryptor, encrypted, decrypted) = Stages(sign: true);
        using var frame = TestFrames.Frame(ScalarType.UShort, 3);
        encryptor.Process(frame);
        var envelope = encrypted.Values[0];
        var f = envelope[field];
        switch (f.Type.Kind)
        {
            case TypeKind.ScalarArray:
                var bytes = f.GetArray().Bytes.ToArray();
                bytes[bytes.Length / 2] ^= 0x04;
                f.Set(bytes);
                break;
            case TypeKind.Scalar when f.Type.ScalarType == ScalarType.String:
                f.Set(f.GetString() + "x");
                break;
            default:
                f.Set(f.GetUInt64() ^ 1);
                break;
        }

        Assert.Null(decryptor.Process(envelope));
        Assert.Empty(decrypted.Values);
        Assert.Equal(1L, decryptor.Rejected);
        Assert.Equal(1L, decryptor.GetStats()["nRejected"]);
        Assert.Equal(0L, decryptor.GetStats()["nDecrypted"]);
    }

    [Fact]
    public void A_truncated_frame_is_rejected()
    {
        var (encryptor, decryptor, encrypted, _) = Stages();
        using var frame = TestFrames.Frame(ScalarType.UByte, 5);
        encryptor.Process(frame);
        var envelope = encrypted.Values[0];
        envelope["data"].Set(envelope["data"].GetArray().Bytes[..^10].ToArray());
        Assert.Null(decryptor.Process(envelope));
        Assert.Equal(1L, decryptor.Rejected);
    }

    [Fact]
    public void Another_key_cannot_decrypt()
    {
        using var other = RSA.Create(2048);
        var otherPath = Path.Combine(_dir, "other.pem");
        File.WriteAllText(otherPath, other.ExportPkcs8PrivateKeyPem());
        var (encryptor, decryptor, encrypted, _) = Stages(decryptKey: otherPath);
        using var frame = TestFrames.Frame(ScalarType.UByte, 5);
        encryptor.Process(frame);
        Assert.Null(decryptor.Process(encrypted.Values[0]));
        Assert.Equal(1L, decryptor.Rejected);

        // configure loads the right key at run time.
        decryptor.Configure(new JsonObject { ["privateKeyFilePath"] = _keyPath });
        Assert.NotNull(decryptor.Process(encrypted.Values[0]));
    }

    [Fact]
    public void Verify_requires_a_signature()
    {
        var (encryptor, decryptor, encrypted, _) = Stages(sign: false, verify: true);
        using var frame = TestFrames.Frame(ScalarType.UByte, 5);
        encryptor.Process(frame);
        Assert.Null(decryptor.Process(encrypted.Values[0]));
        encryptor.Configure(new JsonObject { ["sign"] = "true" });
        encryptor.Process(frame);
        Assert.NotNull(decryptor.Process(encrypted.Values[1]));
        Assert.Equal(1L, decryptor.Rejected);
    }

    [Fact]
    public void Pkcs1_and_pkcs8_pem_keys_load()
    {
        using var rsa = RSA.Create(2048);
        var pkcs1 = RsaKeyFile.Parse(rsa.ExportRSAPrivateKeyPem());
        var pkcs8 = RsaKeyFile.Parse(rsa.ExportPkcs8PrivateKeyPem());
        Assert.Equal(rsa.ExportParameters(false).Modulus, pkcs1.ExportParameters(false).Modulus);
        Assert.Equal(rsa.ExportParameters(false).Modulus, pkcs8.ExportParameters(false).Modulus);
    }

    [Fact]
    public void An_openssh_key_from_ssh_keygen_loads_and_matches_its_pem_form()
    {
        var path = Path.Combine(_dir, "id_rsa");
        Assert.SkipWhen(TestFrames.Run("ssh-keygen", $"-q -t rsa -b 2048 -N \"\" -f {path}", out var output) != 0, $"ssh-keygen not available: {output}");
        Assert.Contains("BEGIN OPENSSH PRIVATE KEY", File.ReadAllText(path), StringComparison.Ordinal);
        using var openssh = RsaKeyFile.Load(path);

        var pemPath = Path.Combine(_dir, "id_rsa_pem");
        File.Copy(path, pemPath);
        Assert.Equal(0, TestFrames.Run("ssh-keygen", $"-q -p -m PEM -N \"\" -P \"\" -f {pemPath}", out output));
        using var pem = RsaKeyFile.Load(pemPath);
        var a = openssh.ExportParameters(true);
        var b = pem.ExportParameters(true);
        Assert.Equal(b.Modulus, a.Modulus);
        Assert.Equal(b.D, a.D);
        Assert.Equal(b.DP, a.DP);
        Assert.Equal(b.DQ, a.DQ);
        Assert.Equal(b.InverseQ, a.InverseQ);

        // And it works end to end.
        var encrypted = new TestFrames.CapturingPublisher();
        var encryptor = TestFrames.Attach(new AdImageDataEncryptor(new JsonObject { ["privateKeyFilePath"] = path, ["sign"] = true }), encrypted);
        var decryptor = new AdImageDataDecryptor(new JsonObject { ["privateKeyFilePath"] = pemPath, ["verify"] = true });
        using var frame = TestFrames.Frame(ScalarType.UByte, 9);
        encryptor.Process(frame);
        Assert.NotNull(decryptor.Decrypt(encrypted.Values[0]));
    }

    [Fact]
    public void A_missing_or_bad_key_is_a_clear_start_up_error()
    {
        var missing = Assert.Throws<StreamingConfigurationException>(() => new AdImageDataEncryptor(new JsonObject { ["privateKeyFilePath"] = Path.Combine(_dir, "nope") }));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        var unset = Assert.Throws<StreamingConfigurationException>(() => new AdImageDataDecryptor(new JsonObject()));
        Assert.Contains("privateKeyFilePath", unset.Message, StringComparison.Ordinal);
        var garbage = Path.Combine(_dir, "garbage");
        File.WriteAllText(garbage, "hello");
        var bad = Assert.Throws<StreamingConfigurationException>(() => new AdImageDataDecryptor(new JsonObject { ["privateKeyFilePath"] = garbage }));
        Assert.Contains("Cannot load private key", bad.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pvapy.hpc.adImageDataEncryptor.AdImageDataEncryptor", typeof(AdImageDataEncryptor))]
    [InlineData("pvapy.hpc.adImageDataDecryptor.AdImageDataDecryptor", typeof(AdImageDataDecryptor))]
    [InlineData("AdImageDataEncryptor", typeof(AdImageDataEncryptor))]
    [InlineData("Epics.Streaming.Processors.Encryption.AdImageDataDecryptor", typeof(AdImageDataDecryptor))]
    [InlineData("pvapy.hpc.adOutputFileProcessor.AdOutputFileProcessor", typeof(Processors.Files.AdOutputFileProcessor))]
    [InlineData("pvapy.hpc.hdf5AdImageWriter.Hdf5AdImageWriter", typeof(Processors.Hdf5.Hdf5AdImageWriter))]
    public void The_loader_finds_them_by_our_names_and_the_references(string name, Type type)
    {
        var factory = ProcessorLoader.Resolve([], name);
        var processor = factory(new JsonObject { ["privateKeyFilePath"] = _keyPath, ["outputDirectory"] = _dir });
        Assert.IsType(type, processor);
    }
}
