namespace ConnLab.Server.Hosting;

/// <summary>A setting the server cannot start with (it says which and why in one log line); the server exits with 1.</summary>
public sealed class ConfigurationRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationRefusedException() { }

    /// <summary>Creates the exception with a message.</summary>
    public ConfigurationRefusedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ConfigurationRefusedException(string message, Exception inner) : base(message, inner) { }
}
