using Microsoft.Data.Sqlite;

namespace ConnLab.Server.Sessions;

/// <summary>Turns a trace-store failure into the refusal a caller can act on: full, locked, read-only or failing.</summary>
internal static class StoreRefusal
{
    // SQLite primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the low byte.
    private const int Busy = 5, Locked = 6, ReadOnly = 8, IoError = 10, Full = 13, CantOpen = 14;

    public static ServiceError From(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        const string rolledBack = "; the command was rolled back and nothing was changed";
        var code = ex is SqliteException sqlite ? sqlite.SqliteErrorCode & 0xff : -1;
        return code switch
        {
            Full => new ServiceError(ServiceErrorKind.StoreFull,
                $"the trace store's database is full (no space left on its disk, or ConnLab:MaxStoreBytes reached: {ex.Message}){rolledBack}"),
            Busy or Locked => new ServiceError(ServiceErrorKind.Unavailable,
                $"the trace store's database is locked by another connection and the write timed out ({ex.Message}){rolledBack}; retry later"),
            ReadOnly => new ServiceError(ServiceErrorKind.Unavailable,
                $"the trace store's database is read-only ({ex.Message}){rolledBack}"),
            IoError or CantOpen => new ServiceError(ServiceErrorKind.Unavailable,
                $"the trace store's database could not be written ({ex.Message}){rolledBack}"),
            _ => new ServiceError(ServiceErrorKind.Unavailable, $"the trace store refused the write ({ex.Message}){rolledBack}"),
        };
    }
}
