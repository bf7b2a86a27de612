using System.Security.Cryptography;

namespace Epics.Streaming.Processors.Encryption;

/// <summary>
/// Loads the RSA private key the encrypting processors share: OpenSSH's own format (<c>ssh-keygen</c>'s default,
/// <c>BEGIN OPENSSH PRIVATE KEY</c>), PEM PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>) or PEM PKCS#8 (<c>BEGIN PRIVATE KEY</c>),
/// all without a passphrase.
/// </summary>
public static class RsaKeyFile
{
    private const string OpenSshLabel = "OPENSSH PRIVATE KEY";

    /// <summary>The key in <paramref name="path"/>.</summary>
    /// <exception cref="StreamingConfigurationException">The file is missing or does not hold a usable RSA private key.</exception>
    public static RSA Load(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new StreamingConfigurationException("privateKeyFilePath is not set: the encrypting processors need an RSA private key file");
        }

        if (!File.Exists(path))
        {
            throw new StreamingConfigurationException($"Private key file {path} does not exist");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StreamingConfigurationException($"Cannot read private key file {path}: {e.Message}", e);
        }

        try
        {
            return Parse(text);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException or InvalidDataException)
        {
            throw new StreamingConfigurationException($"Cannot load private key file {path}: {e.Message}", e);
        }
    }

    /// <summary>The key in <paramref name="text"/> (the contents of a key file).</summary>
    /// <exception cref="InvalidDataException">Not an RSA private key in a supported format, or protected by a passphrase.</exception>
    public static RSA Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            throw new InvalidDataException("the key is protected by a passphrase, which is not supported (remove it with ssh-keygen -p)");
        }

        if (PemEncoding.TryFind(text, out var fields) && text[fields.Label].SequenceEqual(OpenSshLabel))
        {
            var rsa = RSA.Create();
            rsa.ImportParameters(OpenSshPrivateKey.ReadRsa(Convert.FromBase64String(text[fields.Base64Data].ToString())));
            return rsa;
        }

        if (!text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new InvalidDataException("no private key found (expected OpenSSH, PEM PKCS#1 or PEM PKCS#8)");
        }

        var key = RSA.Create();
        try
        {
            key.ImportFromPem(text);
        }
        catch
        {
            key.Dispose();
            throw;
        }

        return key;
    }
}
