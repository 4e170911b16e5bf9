namespace ConnLab.Engine.Lab;

/// <summary>Why a command stopped.</summary>
public enum StopReason
{
    /// <summary>It did everything it was asked.</summary>
    Completed,
    /// <summary>Nothing was scheduled any more (step) or the session became idle (run until idle).</summary>
    Idle,
    /// <summary>The endpoint reached the requested state.</summary>
    StateReached,
    /// <summary>The run's step budget (maxSteps) was used up.</summary>
    StepBudget,
    /// <summary>The session's trace reached its event limit.</summary>
    EventLimit,
    /// <summary>The per-command step limit stopped it.</summary>
    StepLimit,
}

/// <summary>The outcome of one command: its events (a slice of the trace) or the error that refused it.</summary>
public sealed record CommandResult
{
    /// <summary>The error, when the command was refused; nothing changed then.</summary>
    public LabError? Error { get; init; }

    /// <summary>True when the command was carried out.</summary>
    public bool Ok => Error is null;

    /// <summary>Index of the first event the command produced.</summary>
    public long FirstEventIndex { get; init; }

    /// <summary>The events the command produced, in order.</summary>
    public IReadOnlyList<LabEvent> Events { get; init; } = [];

    /// <summary>Steps the command took (step, run, advance).</summary>
    public long StepsTaken { get; init; }

    /// <summary>Why the command stopped.</summary>
    public StopReason Stop { get; init; }
}
