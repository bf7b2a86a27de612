using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Processing;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Processors.Encryption;

/// <summary>
/// Restores the frames <see cref="AdImageDataEncryptor"/> encrypted (framework.md §12.3) and publishes them exactly as
/// they were (all fields, attributes, codec). Every envelope is checked: one that was altered, truncated, made for
/// another key or (with <c>verify</c>) not signed is dropped and counted in <c>nRejected</c>. Run the stage with
/// <c>--oid-field objectId</c>. Settings: <c>privateKeyFilePath</c> (required), <c>verify</c> (require a valid
/// signature, default false; a signature that is present is always checked); both can change with <c>configure</c>.
/// Statistics: <c>nDecrypted</c>, <c>nRejected</c>, <c>processingTime</c>, <c>processingRate</c>.
/// </summary>
public class AdImageDataDecryptor : AdImageProcessor
{
    private readonly ProcessingRate _decrypted = new();
    private readonly Lock _lock = new();
    private RSA _key;
    private bool _verify;
    private long _rejected;

    /// <summary>A decryptor with <paramref name="configuration"/>.</summary>
    /// <exception cref="StreamingConfigurationException">The key file is missing or unusable.</exception>
    public AdImageDataDecryptor(JsonObject? configuration = null)
        : base(configuration)
    {
        _key = RsaKeyFile.Load(ProcessorSettings.GetString(Configuration, "privateKeyFilePath") ?? string.Empty);
        _verify = ProcessorSettings.GetBool(Configuration, "verify") ?? false;
    }

    /// <summary>Whether a valid signature is required.</summary>
    public bool Verify => _verify;

    /// <summary>Envelopes dropped so far.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <inheritdoc />
    public override void Configure(JsonNode? configuration)
    {
        var path = ProcessorSettings.GetString(configuration, "privateKeyFilePath");
        var verify = ProcessorSettings.GetBool(configuration, "verify");
        lock (_lock)
        {
            if (path is not null)
            {
                var old = _key;
                _key = RsaKeyFile.Load(path);
                old.Dispose();
                Logger.LogInformation("Loaded private key {Path}", path);
            }

            if (verify is { } v)
            {
                _verify = v;
            }
        }
    }

    /// <summary>The restored frame, or null when the envelope was rejected (counted and logged).</summary>
    public PvValue? Decrypt(PvValue envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var start = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            try
            {
                var frame = EncryptedFrame.Decrypt(envelope, _key, _verify);
                _decrypted.Add(start);
                return frame;
            }
            catch (EncryptedFrameRejectedException e)
            {
                _rejected++;
                _decrypted.AddTime(start);
                Logger.LogWarning("Rejected encrypted object {ObjectId}: {Reason}",
                    envelope.TryGetField("objectId", out var id) ? id.GetInt64() : -1, e.Message);
                return null;
            }
        }
    }

    /// <inheritdoc />
    public override PvValue? Process(PvValue value)
    {
        if (Decrypt(value) is not { } frame)
        {
            return null;
        }

        UpdateOutputChannel(frame);
        return frame;
    }

    /// <summary>The output record takes the type of the first frame (decrypted), or an empty NTNDArray.</summary>
    public override PvValue? GetOutputPvObjectType(PvValue firstInput)
    {
        ArgumentNullException.ThrowIfNull(firstInput);
        lock (_lock)
        {
            try
            {
                return EncryptedFrame.Decrypt(firstInput, _key, requireSignature: false);
            }
            catch (EncryptedFrameRejectedException)
            {
                return NTNDArray.Create().Structure;
            }
        }
    }

    /// <inheritdoc />
    public override void ResetStats()
    {
        lock (_lock)
        {
            _decrypted.Reset();
            _rejected = 0;
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object> GetStats()
    {
        lock (_lock)
        {
            return new Dictionary<string, object>
            {
                ["nDecrypted"] = _decrypted.Count,
                ["nRejected"] = _rejected,
                ["processingTime"] = new UnitValue(_decrypted.Seconds, "s"),
                ["processingRate"] = new UnitValue(_decrypted.Rate, "fps"),
            };
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
    {
        ["nDecrypted"] = ScalarType.UInt,
        ["nRejected"] = ScalarType.UInt,
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
