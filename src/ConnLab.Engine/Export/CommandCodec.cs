using System.Text;
using System.Text.Json;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Export;

/// <summary>
/// The command log's stored form: one small JSON object per <see cref="CommandRecord"/>, readable by people and
/// stable across versions (new fields may be added; none is renamed).
/// </summary>
/// <example>
/// <code>{"step":0,"steps":0,"type":"endpoint","endpoint":"client","action":"send","data":"aGVsbG8="}</code>
/// </example>
public static class CommandCodec
{
    /// <summary>Serializes one log entry.</summary>
    public static string Serialize(CommandRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("step", record.Step);
            w.WriteNumber("steps", record.StepsTaken);
            WriteCommand(w, record.Command);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Parses one log entry.</summary>
    /// <exception cref="FormatException">The text is not a command record.</exception>
    public static CommandRecord Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            return new CommandRecord(root.GetProperty("step").GetInt64(), ReadCommand(root), root.GetProperty("steps").GetInt64());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"not a command record: {ex.Message}", ex);
        }
    }

    private static void WriteCommand(Utf8JsonWriter w, LabCommand command)
    {
        switch (command)
        {
            case EndpointCommand c:
                w.WriteString("type", "endpoint");
                w.WriteString("endpoint", Name(c.Endpoint));
                w.WriteString("action", Name(c.Action));
                if (!c.Data.IsEmpty)
                {
                    w.WriteBase64String("data", c.Data.Span);
                }
                if (c.MaxBytes != 0)
                {
                    w.WriteNumber("maxBytes", c.MaxBytes);
                }
                break;
            case StepCommand c:
                w.WriteString("type", "step");
                w.WriteNumber("count", c.Count);
                break;
            case RunCommand c:
                w.WriteString("type", "run");
                w.WriteString("until", Name(c.Until));
                if (c.Endpoint is { } endpoint)
                {
                    w.WriteString("endpoint", Name(endpoint));
                }
                if (c.State is { } state)
                {
                    w.WriteString("state", state.ToName());
                }
                w.WriteNumber("maxSteps", c.MaxSteps);
                break;
            case AdvanceCommand c:
                w.WriteString("type", "advance");
                w.WriteNumber("ms", c.Ms);
                break;
            case DropSegmentCommand c:
                w.WriteString("type", "drop");
                w.WriteNumber("segmentId", c.SegmentId);
                break;
            case DuplicateSegmentCommand c:
                w.WriteString("type", "duplicate");
                w.WriteNumber("segmentId", c.SegmentId);
                break;
            case DelaySegmentCommand c:
                w.WriteString("type", "delay");
                w.WriteNumber("segmentId", c.SegmentId);
                w.WriteNumber("ms", c.Ms);
                break;
            case InjectSegmentCommand { Segment: var s }:
                w.WriteString("type", "inject");
                w.WriteString("from", Name(s.From));
                if (s.Source is not null)
                {
                    w.WriteString("src", s.Source);
                }
                if (s.Destination is not null)
                {
                    w.WriteString("dst", s.Destination);
                }
                w.WriteStartArray("flags");
                foreach (var flag in TcpFlagNames.ToNames(s.Flags))
                {
                    w.WriteStringValue(flag);
                }
                w.WriteEndArray();
                w.WriteNumber("seq", s.Seq);
                w.WriteNumber("ack", s.Ack);
                w.WriteNumber("window", s.Window);
                w.WriteNumber("urgentPointer", s.UrgentPointer);
                w.WriteNumber("mss", s.Mss);
                if (!s.Data.IsEmpty)
                {
                    w.WriteBase64String("data", s.Data.Span);
                }
                break;
            case SynFloodCommand c:
                w.WriteString("type", "syn-flood");
                w.WriteNumber("count", c.Count);
                w.WriteBoolean("spoofed", c.Spoofed);
                break;
            default:
                throw new ArgumentException($"unknown command {command.GetType().Name}", nameof(command));
        }
    }

    private static LabCommand ReadCommand(JsonElement o)
    {
        var type = o.GetProperty("type").GetString();
        return type switch
        {
            "endpoint" => new EndpointCommand(Parse<EndpointRole>(o, "endpoint"), Parse<EndpointAction>(o, "action"),
                o.TryGetProperty("data", out var d) ? d.GetBytesFromBase64() : default,
                o.TryGetProperty("maxBytes", out var m) ? m.GetInt32() : 0),
            "step" => new StepCommand(o.GetProperty("count").GetInt32()),
            "run" => new RunCommand(Parse<RunUntil>(o, "until"),
                o.TryGetProperty("endpoint", out _) ? Parse<EndpointRole>(o, "endpoint") : null,
                o.TryGetProperty("state", out var st) ? ParseState(st.GetString()) : null,
                o.GetProperty("maxSteps").GetInt32()),
            "advance" => new AdvanceCommand(o.GetProperty("ms").GetDouble()),
            "drop" => new DropSegmentCommand(o.GetProperty("segmentId").GetInt64()),
            "duplicate" => new DuplicateSegmentCommand(o.GetProperty("segmentId").GetInt64()),
            "delay" => new DelaySegmentCommand(o.GetProperty("segmentId").GetInt64(), o.GetProperty("ms").GetDouble()),
            "inject" => new InjectSegmentCommand(new CraftedSegment
            {
                From = Parse<EndpointRole>(o, "from"),
                Source = o.TryGetProperty("src", out var src) ? src.GetString() : null,
                Destination = o.TryGetProperty("dst", out var dst) ? dst.GetString() : null,
                Flags = ParseFlags(o.GetProperty("flags")),
                Seq = o.GetProperty("seq").GetInt64(),
                Ack = o.GetProperty("ack").GetInt64(),
                Window = o.GetProperty("window").GetInt32(),
                UrgentPointer = o.GetProperty("urgentPointer").GetInt32(),
                Mss = o.GetProperty("mss").GetInt32(),
                Data = o.TryGetProperty("data", out var data) ? data.GetBytesFromBase64() : default,
            }),
            "syn-flood" => new SynFloodCommand(o.GetProperty("count").GetInt32(), o.GetProperty("spoofed").GetBoolean()),
            _ => throw new FormatException($"unknown command type '{type}'"),
        };
    }

    /// <summary>The contract's lower-case, kebab-case name of an enum value (<c>client</c>, <c>send</c>, <c>idle</c>).</summary>
    /// <remarks>Every segment view asks for its origin's name: the names are made once per enum value, not per call.</remarks>
    public static string Name<T>(T value) where T : struct, Enum =>
        Names<T>.Known.TryGetValue(value, out var name) ? name : ToKebab(value.ToString());

    private static class Names<T> where T : struct, Enum
    {
        public static readonly System.Collections.Frozen.FrozenDictionary<T, string> Known =
            System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(Enum.GetValues<T>().Distinct(), v => v, v => ToKebab(v.ToString()));
    }

    /// <summary>Parses a contract name back to the enum value.</summary>
    public static bool TryParseName<T>(string? name, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Name(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    private static T Parse<T>(JsonElement o, string property) where T : struct, Enum =>
        TryParseName<T>(o.GetProperty(property).GetString(), out var value)
            ? value
            : throw new FormatException($"'{property}' has an unknown value");

    private static TcpState ParseState(string? name) =>
        TcpStateNames.TryParse(name, out var state) ? state : throw new FormatException($"unknown state '{name}'");

    private static TcpFlags ParseFlags(JsonElement array)
    {
        var flags = TcpFlags.None;
        foreach (var item in array.EnumerateArray())
        {
            flags |= TcpFlagNames.TryParse(item.GetString() ?? "", out var f) ? f : throw new FormatException($"unknown flag '{item}'");
        }
        return flags;
    }

    private static string ToKebab(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                sb.Append('-');
            }
            sb.Append(char.ToLowerInvariant(pascal[i]));
        }
        return sb.ToString();
    }
}
