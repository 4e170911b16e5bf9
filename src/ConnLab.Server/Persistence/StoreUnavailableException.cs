namespace ConnLab.Server.Persistence;

/// <summary>The trace store cannot be opened, migrated or read at start-up; the server does not start without it.</summary>
public sealed class StoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException() { }

    /// <summary>Creates the exception with a message.</summary>
    public StoreUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the store's error.</summary>
    public StoreUnavailableException(string message, Exception inner) : base(message, inner) { }
}
