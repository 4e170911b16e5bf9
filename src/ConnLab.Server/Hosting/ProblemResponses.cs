using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ConnLab.Server.Hosting;

/// <summary>
/// Says in Swagger UI what each refusal means and what to do about it, instead of the bare reason phrase ("Conflict"):
/// a student reading a route's responses learns which fields of the problem to look at.
/// </summary>
internal sealed class ProblemResponses : IOperationFilter
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["400"] = "A field is missing, of the wrong type or out of range: the problem's `field` names it and `detail` says what is allowed.",
        ["401"] = "The call changes the session and needs its token: `Authorization: Bearer <token>` (the Authorize button above).",
        ["403"] = "The token does not control this session (or the instructor key is wrong), or the session is read-only because its "
            + "stored trace did not replay identically (`type` …/session-read-only).",
        ["404"] = "Not found: `type` says what (…/session-not-found, …/segment-not-found, …/workshop-not-found).",
        ["409"] = "The endpoint's state forbids the action: `endpoint` and `state` name it, `rfcError` is RFC 9293's error string "
            + "(e.g. \"connection already exists\" for a connect on an open connection).",
        ["410"] = "The workshop has closed.",
        ["413"] = "The payload (`field` data or dataBase64) or the whole body is larger than the server accepts.",
        ["415"] = "The body must be JSON, sent with `Content-Type: application/json`.",
        ["429"] = "A rate limit or a quota is reached (sessions per client, events per session, flood size, segments in flight): "
            + "`Retry-After` says when to try again where waiting helps.",
        ["503"] = "The trace store cannot be reached for the moment; nothing was changed. `Retry-After` says when to try again.",
        ["507"] = "The trace store is full; nothing was changed.",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.Responses is null)
        {
            return;
        }
        foreach (var (status, response) in operation.Responses)
        {
            if (response is OpenApiResponse concrete && Descriptions.TryGetValue(status, out var description))
            {
                concrete.Description = description;
            }
        }
    }
}
