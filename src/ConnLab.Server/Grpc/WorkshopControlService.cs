using ConnLab.Contracts.Mapping;
using ConnLab.Engine.Tcp;
using ConnLab.Server.Sessions;
using ConnLab.Server.Workshops;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = ConnLab.Contracts.V1;

namespace ConnLab.Server.Grpc;

/// <summary>
/// gRPC <c>connlab.v1.WorkshopControl</c>: the same workshop service as REST <c>/api/workshops</c>; refusals go through
/// the same mapping (<see cref="Api.Problems"/>).
/// </summary>
public sealed class WorkshopControlService(WorkshopService workshops, LabService lab) : V1.WorkshopControl.WorkshopControlBase
{
    /// <inheritdoc />
    public override async Task<V1.CreateWorkshopResponse> CreateWorkshop(V1.CreateWorkshopRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var template = request.Template ?? new V1.CreateSessionRequest();
        var created = LabControlService.Check(await workshops.CreateAsync(request.HasName ? request.Name : null, LabControlService.ToConfig(template),
            template.HasScenario ? template.Scenario : null, LabControlService.Owner(context), context.CancellationToken).ConfigureAwait(false));
        return new V1.CreateWorkshopResponse
        {
            Workshop = Proto(created.Workshop), InstructorKey = created.InstructorKey, TemplateToken = created.TemplateToken,
            Template = await SessionAsync(created.Template.Id, context).ConfigureAwait(false),
        };
    }

    /// <inheritdoc />
    public override async Task<V1.JoinWorkshopResponse> JoinWorkshop(V1.JoinWorkshopRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var joined = LabControlService.Check(await workshops.JoinAsync(request.Code, request.StudentName, context.CancellationToken).ConfigureAwait(false));
        var response = new V1.JoinWorkshopResponse
        {
            WorkshopId = joined.WorkshopId, WorkshopName = joined.WorkshopName, Code = joined.Code, Token = joined.Token,
            Session = await SessionAsync(joined.Session.Id, context).ConfigureAwait(false),
        };
        if (joined.FollowSessionId is { } follow)
        {
            response.FollowSessionId = follow;
        }
        return response;
    }

    /// <inheritdoc />
    public override async Task<V1.Workshop> GetWorkshop(V1.WorkshopRequest request, ServerCallContext context) =>
        Proto(LabControlService.Check(await workshops.GridAsync(request.WorkshopId, LabControlService.Token(context), context.CancellationToken).ConfigureAwait(false)));

    /// <inheritdoc />
    public override async Task<V1.Workshop> FollowWorkshop(V1.FollowWorkshopRequest request, ServerCallContext context) =>
        Proto(LabControlService.Check(await workshops.FollowAsync(request.WorkshopId, LabControlService.Token(context), request.On,
            request.HasSessionId ? request.SessionId : null, context.CancellationToken).ConfigureAwait(false)));

    /// <inheritdoc />
    public override async Task<V1.Workshop> CloseWorkshop(V1.WorkshopRequest request, ServerCallContext context) =>
        Proto(LabControlService.Check(await workshops.CloseAsync(request.WorkshopId, LabControlService.Token(context), context.CancellationToken).ConfigureAwait(false)));

    private async Task<V1.Session> SessionAsync(string id, ServerCallContext context) =>
        LabControlService.Check(await lab.ReadAsync(id, h => LabControlService.Proto(h, h.Session.Snapshot()), context.CancellationToken).ConfigureAwait(false));

    private static V1.Workshop Proto(WorkshopGrid g)
    {
        var message = new V1.Workshop
        {
            Id = g.Id, Name = g.Name, Code = g.Code, Scenario = g.Scenario, TemplateSessionId = g.TemplateSessionId,
            CreatedAt = Timestamp.FromDateTimeOffset(g.CreatedAt), ExpiresAt = Timestamp.FromDateTimeOffset(g.ExpiresAt), Open = g.Open,
            ClosedAt = g.ClosedAt is { } closed ? Timestamp.FromDateTimeOffset(closed) : null, MaxStudents = g.MaxStudents,
        };
        if (g.FollowSessionId is { } follow)
        {
            message.FollowSessionId = follow;
        }
        message.Students.Add(g.Students.Select(s => new V1.WorkshopStudent
        {
            Name = s.Name, SessionId = s.SessionId, JoinedAt = Timestamp.FromDateTimeOffset(s.JoinedAt), ClientState = State(s.ClientState),
            ServerState = State(s.ServerState), Step = s.Step, EventCount = s.EventCount, TimeMs = s.TimeMs, Outcome = s.Outcome,
        }));
        return message;
    }

    private static V1.TcpState State(string? name) => TcpStateNames.TryParse(name, out var state) ? state.ToProto() : V1.TcpState.Unspecified;
}
