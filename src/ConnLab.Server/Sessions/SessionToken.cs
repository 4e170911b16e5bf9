using System.Security.Cryptography;
using System.Text;

namespace ConnLab.Server.Sessions;

/// <summary>Session tokens: 256 random bits, stored as a SHA-256 hash, compared in constant time.</summary>
public static class SessionToken
{
    /// <summary>A new token (URL-safe base64).</summary>
    public static string Create() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The stored form of a token.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>True if <paramref name="token"/> hashes to <paramref name="hash"/>, in time that does not depend on where they differ.</summary>
    public static bool Matches(string? token, byte[] hash) =>
        token is not null && CryptographicOperations.FixedTimeEquals(Hash(token), hash);

    /// <summary>The token of an <c>Authorization: Bearer …</c> header (HTTP or gRPC metadata), or null.</summary>
    public static string? FromAuthorization(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;

    /// <summary>A new public session id: 12 characters of base32 (60 random bits), short enough to read out in class.</summary>
    public static string NewId()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        Span<char> id = stackalloc char[12];
        for (var i = 0; i < id.Length; i++)
        {
            id[i] = alphabet[bytes[i] & 31];
        }
        return new string(id);
    }
}
