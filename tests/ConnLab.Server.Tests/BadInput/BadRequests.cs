using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace ConnLab.Server.Tests.BadInput;

/// <summary>What the REST and workshop bad-input matrices share: how a case's body is sent and how its refusal is checked.</summary>
internal static class BadRequests
{
    /// <summary>
    /// Puts <paramref name="body"/> on <paramref name="request"/> as <paramref name="contentType"/>, chunked (no declared
    /// length) when asked; an oversized declared body asks for 100-continue, so it is refused before it is sent.
    /// </summary>
    public static void SetBody(HttpRequestMessage request, byte[] body, string? contentType, bool chunked)
    {
        request.Content = chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body);
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        request.Headers.ExpectContinue = body.Length > KestrelLab.BodyLimit && !chunked;
    }

    /// <summary>Asserts an RFC 9457 refusal: the status, the stable type, the field (null for none) and a title.</summary>
    public static async Task<JsonNode> AssertRefused(HttpResponseMessage response, int status, string type, string? field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal("https://connlab.dev/problems/" + type, problem["type"]?.GetValue<string>());
        Assert.Equal(status, problem["status"]?.GetValue<int>());
        Assert.Equal(field, problem["field"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        return problem;
    }
}

/// <summary>A body whose length the client cannot know beforehand, so HttpClient sends it chunked.</summary>
internal sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
{
    public override bool CanSeek => false;
}
