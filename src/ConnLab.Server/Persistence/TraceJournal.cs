using Microsoft.Data.Sqlite;

namespace ConnLab.Server.Persistence;

/// <summary>
/// The journal's fold: moves every <see cref="JournalRow"/> into <c>Commands</c> and <c>Events</c>, sorted by session,
/// and empties the journal, in one transaction.
/// </summary>
/// <remarks>
/// Why a journal: <c>Commands</c> and <c>Events</c> are ordered by session (their primary keys lead with
/// <c>SessionKey</c>), so a group commit serving 64 sessions dirtied the last index page of each of them, twice, and
/// wrote every one of those pages to the WAL again on every commit: ~130 pages, half a megabyte, for 64 commands.
/// Appending to the journal instead touches its last page or two; a fold then writes each session's pages once per
/// few thousand commands. A row is as durable in the journal as in the tables, and a reader takes both
/// (<see cref="TraceStore.LoadAsync"/>): a session's journal rows always follow its folded ones, since a rewind or
/// a delete removes both.
/// </remarks>
public static class TraceJournal
{
    /// <summary>The fold's statements (run inside a transaction).</summary>
    internal const string FoldSql =
        "INSERT INTO Commands (SessionKey, Seq, Json) SELECT SessionKey, Seq, Json FROM Journal WHERE Seq IS NOT NULL ORDER BY SessionKey, Seq;" +
        "INSERT INTO Events (SessionKey, Idx, Data) SELECT SessionKey, Idx, Data FROM Journal WHERE Idx IS NOT NULL ORDER BY SessionKey, Idx;" +
        "DELETE FROM Journal;";

    /// <summary>Rows in the journal.</summary>
    public static long Count(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM Journal;";
        return Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Folds the journal into the session-ordered tables in one transaction; returns the rows moved.</summary>
    public static long Fold(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var tx = connection.BeginTransaction();
        using var fold = connection.CreateCommand();
        fold.Transaction = tx;
        fold.CommandText = "SELECT COUNT(*) FROM Journal;";
        var rows = Convert.ToInt64(fold.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (rows > 0)
        {
            fold.CommandText = FoldSql;
            fold.ExecuteNonQuery();
        }
        tx.Commit();
        return rows;
    }
}
