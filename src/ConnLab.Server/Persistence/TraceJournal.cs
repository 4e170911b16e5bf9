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

    /// <summary>
    /// Folds the journal's oldest rows, at most <paramref name="maxRows"/> of them and at most <paramref name="maxBytes"/>
    /// of commands and events (but always one row), in one transaction; returns the rows moved, 0 once the journal is empty.
    /// </summary>
    /// <remarks>
    /// The trace writer folds a chunk between two group commits, so a commit waits for one chunk at most, not for a
    /// whole fold (~60 ms for 4,096 rows here, and seconds for a few 8 MB sends). Folding by journal order keeps every
    /// session's folded rows before its journal rows, as readers expect: a session's rows are appended in order.
    /// </remarks>
    public static int FoldChunk(SqliteConnection connection, int maxRows, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var tx = connection.BeginTransaction();
        using var fold = connection.CreateCommand();
        fold.Transaction = tx;
        // octet_length and length of a blob read the cell's header, not the value: sizing a chunk loads no payload.
        fold.CommandText = "SELECT Id, COALESCE(octet_length(Json), 0) + COALESCE(length(Data), 0) FROM Journal ORDER BY Id LIMIT $n;";
        fold.Parameters.AddWithValue("$n", Math.Max(1, maxRows));
        long last = 0;
        var rows = 0;
        long bytes = 0;
        using (var reader = fold.ExecuteReader())
        {
            while (reader.Read())
            {
                bytes += reader.GetInt64(1);
                if (rows > 0 && bytes > maxBytes)
                {
                    break;
                }
                last = reader.GetInt64(0);
                rows++;
            }
        }
        if (rows > 0)
        {
            fold.Parameters.Clear();
            fold.Parameters.AddWithValue("$last", last);
            fold.CommandText =
                "INSERT INTO Commands (SessionKey, Seq, Json) SELECT SessionKey, Seq, Json FROM Journal WHERE Id <= $last AND Seq IS NOT NULL ORDER BY SessionKey, Seq;" +
                "INSERT INTO Events (SessionKey, Idx, Data) SELECT SessionKey, Idx, Data FROM Journal WHERE Id <= $last AND Idx IS NOT NULL ORDER BY SessionKey, Idx;" +
                "DELETE FROM Journal WHERE Id <= $last;";
            fold.ExecuteNonQuery();
        }
        tx.Commit();
        return rows;
    }
}
