using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Streaming.Processing;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Processors.Encryption;

/// <summary>
/// Encrypts each frame for the next stage (framework.md §12.3, with authenticated encryption; format in
/// docs/encryption.md) and publishes the envelope, whose <c>objectId</c> carries the frame's id (the next stage runs
/// with <c>--oid-field objectId</c>). Settings: <c>privateKeyFilePath</c> (required: OpenSSH or PEM RSA key, the
/// public part encrypts), <c>sign</c> (RSA-PSS signature with the private key, default false); both can change with
/// <c>configure</c>. Statistics: <c>nEncrypted</c>, <c>processingTime</c>, <c>processingRate</c>.
/// </summary>
public class AdImageDataEncryptor : AdImageProcessor
{
    private readonly ArrayBufferWriter<byte> _plaintext = new();
    private readonly ProcessingRate _encrypted = new();
    private readonly Lock _lock = new();
    private RSA _key;
    private bool _sign;

    /// <summary>An encryptor with <paramref name="configuration"/>.</summary>
    /// <exception cref="StreamingConfigurationException">The key file is missing or unusable.</exception>
    public AdImageDataEncryptor(JsonObject? configuration = null)
        : base(configuration)
    {
        _key = RsaKeyFile.Load(ProcessorSettings.GetString(Configuration, "privateKeyFilePath") ?? string.Empty);
        _sign = ProcessorSettings.GetBool(Configuration, "sign") ?? false;
    }

    /// <summary>Whether frames are signed.</summary>
    public bool Sign => _sign;

    /// <inheritdoc />
    public override void Configure(JsonNode? configuration)
    {
        var path = ProcessorSettings.GetString(configuration, "privateKeyFilePath");
        var sign = ProcessorSettings.GetBool(configuration, "sign");
        lock (_lock)
        {
            if (path is not null)
            {
                var old = _key;
                _key = RsaKeyFile.Load(path);
                old.Dispose();
                Logger.LogInformation("Loaded private key {Path}", path);
            }

            if (sign is { } s)
            {
                _sign = s;
            }
        }
    }

    /// <inheritdoc />
    public override PvValue? Process(PvValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var start = Stopwatch.GetTimestamp();
        var objectId = value.TryGetField(ObjectIdField, out var idField) ? unchecked((ulong)idField.GetInt64()) : 0;
        PvValue envelope;
        lock (_lock)
        {
            envelope = EncryptedFrame.Encrypt(value, objectId, _key, _sign, _plaintext);
            _encrypted.Add(start);
        }

        UpdateOutputChannel(envelope);
        envelope.Dispose();
        return null;
    }

    /// <inheritdoc />
    public override PvValue? GetOutputPvObjectType(PvValue firstInput) => new(EncryptedFrame.Type);

    /// <inheritdoc />
    public override void ResetStats()
    {
        lock (_lock)
        {
            _encrypted.Reset();
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object> GetStats()
    {
        lock (_lock)
        {
            return new Dictionary<string, object>
            {
                ["nEncrypted"] = _encrypted.Count,
                ["processingTime"] = new UnitValue(_encrypted.Seconds, "s"),
                ["processingRate"] = new UnitValue(_encrypted.Rate, "fps"),
            };
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
    {
        ["nEncrypted"] = ScalarType.UInt,
        ["processingTime"] = ScalarType.Double,
        ["processingRate"] = ScalarType.Double,
    };

    /// <inheritdoc />
    public override void Stop()
    {
        lock (_lock)
        {
            _key.Dispose();
        }
    }
}
