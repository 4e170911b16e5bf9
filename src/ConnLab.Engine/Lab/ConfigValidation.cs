using ConnLab.Engine.Net;

namespace ConnLab.Engine.Lab;

/// <summary>A configuration that passed validation, with addresses parsed and the profile resolved.</summary>
internal sealed record ResolvedConfig(SessionConfig Source, TcpProfile Profile, IpPort Client, IpPort Server);

/// <summary>Checks a <see cref="SessionConfig"/> field by field; the first problem is reported with its field name.</summary>
internal static class ConfigValidation
{
    public static LabError? Resolve(SessionConfig config, out ResolvedConfig? resolved)
    {
        resolved = null;
        var baseProfile = TcpProfile.Find(config.Profile);
        if (baseProfile is null)
        {
            return LabError.Invalid("profile", $"unknown profile '{config.Profile}': use 'rfc9293' or 'linux'");
        }
        var server = default(IpPort);
        TcpProfile? profile = null;
        var error = CheckEndpoint(config.Client, "client", out var client)
            ?? CheckEndpoint(config.Server, "server", out server)
            ?? CheckLink(config.Link)
            ?? CheckLimits(config.Limits)
            ?? ApplyOverrides(baseProfile, config.Overrides, out profile);
        if (error is not null)
        {
            return error;
        }
        if (client.Address == server.Address)
        {
            return LabError.Invalid("server.address", "client and server need different addresses");
        }
        resolved = new ResolvedConfig(config, profile!, client, server);
        return null;
    }

    private static LabError? CheckEndpoint(EndpointConfig? endpoint, string name, out IpPort address)
    {
        address = default;
        if (endpoint is null)
        {
            return LabError.Invalid(name, $"{name} must be an object");
        }
        if (!IpPort.TryParseAddress(endpoint.Address, out var ip))
        {
            return LabError.Invalid($"{name}.address", $"'{endpoint.Address}' is not a dotted-quad IPv4 address");
        }
        if (ip == 0 || ip == uint.MaxValue || (ip >> 28) >= 0xE)
        {
            return LabError.Invalid($"{name}.address", $"{endpoint.Address} is not a unicast host address");
        }
        if (endpoint.Port is < 1 or > 65535)
        {
            return LabError.Invalid($"{name}.port", $"port must be 1–65535, not {endpoint.Port}");
        }
        if (endpoint.Isn is < 0 or > uint.MaxValue)
        {
            return LabError.Invalid($"{name}.isn", $"isn must be 0–4294967295, not {endpoint.Isn}");
        }
        if (endpoint.Backlog is < 0 or > 65535)
        {
            return LabError.Invalid($"{name}.backlog", $"backlog must be 0–65535, not {endpoint.Backlog}");
        }
        if (endpoint.ReceiveBuffer is < 1 or > 65535)
        {
            return LabError.Invalid($"{name}.receiveBuffer", $"receiveBuffer must be 1–65535 octets, not {endpoint.ReceiveBuffer}");
        }
        address = new IpPort(ip, (ushort)endpoint.Port);
        return null;
    }

    private static LabError? CheckLink(LinkConfig? link)
    {
        if (link is null)
        {
            return LabError.Invalid("link", "link must be an object");
        }
        return Range(link.DelayMs, 0, 60_000, "link.delayMs")
            ?? Range(link.JitterMs, 0, 60_000, "link.jitterMs")
            ?? Range(link.LossRate, 0, 1, "link.lossRate")
            ?? Range(link.DuplicateRate, 0, 1, "link.duplicateRate")
            ?? Range(link.ReorderRate, 0, 1, "link.reorderRate");
    }

    private static LabError? CheckLimits(LabLimits? limits)
    {
        if (limits is null)
        {
            return LabError.Invalid("limits", "limits must be an object");
        }
        return limits.MaxPayloadBytes < 1 ? LabError.Invalid("limits.maxPayloadBytes", "must be at least 1")
            : limits.MaxInFlight < 1 ? LabError.Invalid("limits.maxInFlight", "must be at least 1")
            : limits.MaxEvents < 100 ? LabError.Invalid("limits.maxEvents", "must be at least 100")
            : limits.MaxFloodSize < 0 ? LabError.Invalid("limits.maxFloodSize", "must not be negative")
            : limits.MaxStepsPerCommand < 1 ? LabError.Invalid("limits.maxStepsPerCommand", "must be at least 1")
            : limits.MaxSendBuffer < 1 ? LabError.Invalid("limits.maxSendBuffer", "must be at least 1")
            : null;
    }

    private static LabError? Range(double value, double min, double max, string field) =>
        double.IsFinite(value) && value >= min && value <= max
            ? null
            : LabError.Invalid(field, $"{field} must be between {min} and {max}, not {value}");

    private static LabError? ApplyOverrides(TcpProfile profile, ProfileOverrides? o, out TcpProfile? result)
    {
        result = profile;
        if (o is null)
        {
            return null;
        }
        LabError? error = null;
        int Pick(int? value, int current, int min, int max, string name)
        {
            if (value is null || error is not null)
            {
                return current;
            }
            if (value < min || value > max)
            {
                error = LabError.Invalid($"overrides.{name}", $"overrides.{name} must be {min}–{max}, not {value}");
                return current;
            }
            return value.Value;
        }
        var msl = Pick(o.MslMs, profile.MslMs, 0, 43_200_000, "mslMs");
        var p = profile with
        {
            InitialRtoMs = Pick(o.InitialRtoMs, profile.InitialRtoMs, 1, 600_000, "initialRtoMs"),
            MinRtoMs = Pick(o.MinRtoMs, profile.MinRtoMs, 1, 600_000, "minRtoMs"),
            MaxRtoMs = Pick(o.MaxRtoMs, profile.MaxRtoMs, 1, 3_600_000, "maxRtoMs"),
            SynRetries = Pick(o.SynRetries, profile.SynRetries, 0, 255, "synRetries"),
            SynAckRetries = Pick(o.SynAckRetries, profile.SynAckRetries, 0, 255, "synAckRetries"),
            SynLinearTimeouts = Pick(o.SynLinearTimeouts, profile.SynLinearTimeouts, 0, 255, "synLinearTimeouts"),
            DataRetries = Pick(o.DataRetries, profile.DataRetries, 0, 255, "dataRetries"),
            MslMs = msl,
            // RFC 9293 §3.4.2: TIME-WAIT lasts 2·MSL, so a new MSL moves it too unless it is given explicitly.
            TimeWaitMs = Pick(o.TimeWaitMs, o.MslMs is null ? profile.TimeWaitMs : Math.Min(2 * msl, 86_400_000), 0, 86_400_000, "timeWaitMs"),
            FinWait2TimeoutMs = Pick(o.FinWait2TimeoutMs, profile.FinWait2TimeoutMs, 0, 86_400_000, "finWait2TimeoutMs"),
            Mss = Pick(o.Mss, profile.Mss, 88, 65495, "mss"),
            DelayedAckMs = Pick(o.DelayedAckMs, profile.DelayedAckMs, 0, 500, "delayedAckMs"),
            InitialWindowSegments = Pick(o.InitialWindowSegments, profile.InitialWindowSegments, 1, 1000, "initialWindowSegments"),
            QuickAckSegments = Pick(o.QuickAckSegments, profile.QuickAckSegments, 0, 1000, "quickAckSegments"),
            ReceiveBuffer = Pick(o.ReceiveBuffer, profile.ReceiveBuffer, 1, 65535, "receiveBuffer"),
            InvalidAckRateLimitMs = Pick(o.InvalidAckRateLimitMs, profile.InvalidAckRateLimitMs, 0, 60_000, "invalidAckRateLimitMs"),
            Nagle = o.Nagle ?? profile.Nagle,
            Rfc1337 = o.Rfc1337 ?? profile.Rfc1337,
        };
        if (error is null && p.MinRtoMs > p.MaxRtoMs)
        {
            error = LabError.Invalid("overrides.minRtoMs", $"minRtoMs ({p.MinRtoMs}) must not exceed maxRtoMs ({p.MaxRtoMs})");
        }
        if (error is null && p.DelayedAckMs == 0)
        {
            // Turning delayed ACKs off means every ACK leaves at once, before data too.
            p = p with { DelayedAckBeforeDataMs = 0 };
        }
        result = error is null ? p : null;
        return error;
    }
}
