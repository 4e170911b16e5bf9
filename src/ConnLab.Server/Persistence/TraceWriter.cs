using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Server.Sessions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace ConnLab.Server.Persistence;

/// <summary>A unit of work for the trace store; <see cref="Done"/> completes once it is committed.</summary>
public abstract record WriteOp
{
    internal TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    internal abstract int Rows { get; }

    /// <summary>The journal rows of this write, encoded by <see cref="TraceWriter.Enqueue"/> on the caller's thread.</summary>
    internal JournalEntry[] Journal { get; private set; } = [];

    internal void Encode() => Journal = EncodeJournal();

    private protected virtual JournalEntry[] EncodeJournal() => [];

    /// <summary>
    /// One journal row per command, the last also carrying the events the write produced (one <see cref="EventChunk"/>
    /// keyed by the first event's index), or one row of events alone for a write without commands.
    /// </summary>
    private protected static JournalEntry[] Entries(long key, int firstSeq, IReadOnlyList<CommandRecord> commands, IReadOnlyList<LabEvent> events)
    {
        var entries = new JournalEntry[Math.Max(commands.Count, events.Count > 0 ? 1 : 0)];
        for (var i = 0; i < entries.Length; i++)
        {
            var hasCommand = i < commands.Count;
            var hasEvents = i == entries.Length - 1 && events.Count > 0;
            entries[i] = new JournalEntry(key,
                hasCommand ? firstSeq + i : null,
                hasCommand ? CommandCodec.Serialize(commands[i]) : null,
                hasEvents ? events[0].Index : null,
                hasEvents ? EventChunk.Encode(events) : null);
        }
        return entries;
    }
}

/// <summary>One row for the journal, encoded.</summary>
internal readonly record struct JournalEntry(long Key, int? Seq, string? Json, long? Idx, byte[]? Data);

/// <summary>A new session with its first commands and events.</summary>
public sealed record CreateSessionOp(SessionRow Row, IReadOnlyList<CommandRecord> Commands, IReadOnlyList<LabEvent> Events) : WriteOp
{
    internal override int Rows => 2 + Commands.Count;
    private protected override JournalEntry[] EncodeJournal() => Entries(Row.Key, 0, Commands, Events);
}

/// <summary>Commands and events appended to a session.</summary>
public sealed record AppendOp(long Key, int FirstSeq, IReadOnlyList<CommandRecord> Commands, IReadOnlyList<LabEvent> Events) : WriteOp
{
    internal override int Rows => 1 + Commands.Count;
    private protected override JournalEntry[] EncodeJournal() => Entries(Key, FirstSeq, Commands, Events);
}

/// <summary>A session's whole log and trace replaced (after a rewind).</summary>
public sealed record ReplaceOp(long Key, IReadOnlyList<CommandRecord> Commands, IReadOnlyList<LabEvent> Events) : WriteOp
{
    internal override int Rows => 3 + Commands.Count;
    private protected override JournalEntry[] EncodeJournal() => Entries(Key, 0, Commands, Events);
}

/// <summary>
/// A stored session's trace replayed identically by this engine: its row records this engine's revision from now on, so
/// a later engine's mismatch names the newest revision known to reproduce the trace.
/// </summary>
public sealed record VerifiedOp(long Key) : WriteOp
{
    internal override int Rows => 1;
}

/// <summary>A session removed with its rows.</summary>
public sealed record DeleteOp(long Key) : WriteOp
{
    internal override int Rows => 1;
}

/// <summary>
/// The trace store's write path: every session's writes go through one queue and are group-committed by this
/// background writer, many commands and sessions per transaction, with prepared Microsoft.Data.Sqlite commands
/// (EF Core's <c>SaveChanges</c> issues one <c>INSERT … RETURNING</c> per row, ~1/19 of this rate here). A commit
/// appends one row per command to the <see cref="JournalRow">journal</see>; every <see cref="LabOptions.JournalFoldRows"/>
/// rows, and when the queue has been quiet for <see cref="LabOptions.JournalFoldIdleMs"/>, the writer folds the
/// journal into the session-ordered tables (<see cref="TraceJournal"/>), one chunk between two commits. The writer has a
/// thread of its own and is woken directly by the first write of a batch, so a commit does not wait for a turn in the
/// thread pool's queue behind the requests (REST step p50 lower in 10 of 12 paired runs, median −13 %; no clear change
/// in CPU per step or p99).
/// </summary>
public sealed partial class TraceWriter : BackgroundService
{
    private readonly Channel<WriteOp> _queue = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });
    // The writer waits on its own thread for this, not on the channel: a channel's waiter resumes as a thread-pool work
    // item, queued behind the requests, and every command waiting for the commit waits for that turn too.
    private readonly SemaphoreSlim _queued = new(0);
    private int _signaled; // 1 while a release of _queued is pending: one wake-up per batch, not one per write
    private readonly string _connectionString;
    private readonly int _batchRows;
    private readonly long _foldRows;
    private readonly TimeSpan _foldIdle;
    private readonly int _foldChunkRows;
    private readonly long _foldChunkBytes;
    private readonly double _foldChunkMs;
    private readonly int _walCheckpointPages;
    private int _chunkRows; // the next chunk's rows: sized from the last chunk's time to take about _foldChunkMs
    private bool _walGrew; // set by each commit, cleared by the checkpoint loop: an idle store is not checkpointed
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);
    /// <summary>Fewest rows a time-budgeted chunk folds: below this a chunk's commit costs more than its rows.</summary>
    private const int MinChunkRows = 32;
    private readonly long _maxStoreBytes;
    private readonly ILogger<TraceWriter> _log;
    private readonly LabMetrics _metrics;
    private int _depth;

    /// <summary>Creates the writer.</summary>
    public TraceWriter(IConfiguration configuration, IOptions<LabOptions> options, ILogger<TraceWriter> log, LabMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        _connectionString = configuration.GetConnectionString("ConnLab") ?? "Data Source=connlab.db";
        _batchRows = Math.Max(1, options.Value.WriteBatchSize);
        _foldRows = Math.Max(1, options.Value.JournalFoldRows);
        _foldIdle = TimeSpan.FromMilliseconds(options.Value.JournalFoldIdleMs);
        _foldChunkRows = Math.Max(1, options.Value.JournalFoldChunkRows);
        _foldChunkBytes = Math.Max(1, options.Value.JournalFoldChunkBytes);
        _foldChunkMs = options.Value.JournalFoldChunkMs;
        _walCheckpointPages = Math.Max(1, options.Value.WalCheckpointPages);
        _chunkRows = _foldChunkMs > 0 ? Math.Min(MinChunkRows, _foldChunkRows) : _foldChunkRows;
        _maxStoreBytes = options.Value.MaxStoreBytes;
        _log = log;
        _metrics = metrics;
        metrics.ObserveQueueDepth(() => Volatile.Read(ref _depth));
    }

    /// <summary>Queues a write; the task completes when it is durable (or fails with the store's error).</summary>
    public Task Enqueue(WriteOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        // Serialising commands and encoding events here, on the many callers' threads, leaves the one writer thread
        // only the binding and the commit.
        op.Encode();
        Interlocked.Increment(ref _depth);
        if (!_queue.Writer.TryWrite(op))
        {
            Interlocked.Decrement(ref _depth);
            op.Done.TrySetException(new InvalidOperationException("the trace store is shutting down"));
        }
        Signal();
        return op.Done.Task;
    }

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _queued.Release();
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete(); // drain what is queued, then stop
        Signal();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // A thread of its own: it waits synchronously for writes (NextWork), so a commit starts as soon as the OS runs it.
        Task.Factory.StartNew(WriteAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task WriteAsync()
    {
        // Synchronous calls up to the loop, so that it runs on this thread (it awaits only once the store is stopping).
        await using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            // WAL + synchronous=NORMAL: a commit is durable once written to the WAL, which survives a killed process
            // (not a power cut); FULL would fsync every group commit.
            // Checkpoints: CheckpointLoopAsync copies committed pages into the database beside the writer, so that no
            // commit waits for that copy and its fsync. Under steady writes those never complete (new frames arrive while
            // they copy), and the WAL only starts over after a complete one: the writer's own automatic checkpoint, at
            // WalCheckpointPages (far above SQLite's 1,000), backfills the few pages left and lets it, keeping the WAL
            // bounded. journal_size_limit cuts a WAL inflated by a burst (a few 8 MB sends) back to 64 MiB afterwards.
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=67108864; " +
                $"PRAGMA wal_autocheckpoint={_walCheckpointPages};";
            pragma.ExecuteNonQuery();
            if (_maxStoreBytes > 0)
            {
                // A write that would grow the file past the cap fails with SQLITE_FULL, as on a full disk.
                pragma.CommandText = "PRAGMA page_size;";
                var pageSize = Convert.ToInt64(pragma.ExecuteScalar(),
                    System.Globalization.CultureInfo.InvariantCulture);
                pragma.CommandText = $"PRAGMA max_page_count = {Math.Max(1, _maxStoreBytes / pageSize)};";
                pragma.ExecuteNonQuery();
            }
        }
        using var stopCheckpoints = new CancellationTokenSource();
        var checkpoints = CheckpointLoopAsync(stopCheckpoints.Token);
        var sql = new Statements(connection);
        var journal = TraceJournal.Count(connection);
        var nextFold = _foldRows;
        var folding = false; // a fold under way, one chunk between two commits until the journal is empty
        var batch = new List<WriteOp>();
        // Not the stopping token: queued writes are drained before the host stops.
        while (true)
        {
            var next = NextWork(journal > 0, folding);
            if (next == Work.Stop)
            {
                break;
            }
            if (next == Work.Fold)
            {
                journal = TryFoldChunk(connection, journal, ref nextFold, ref folding);
                continue;
            }
            batch.Clear();
            var rows = 0;
            while (rows < _batchRows && _queue.Reader.TryRead(out var op))
            {
                batch.Add(op);
                rows += op.Rows;
            }
            Interlocked.Add(ref _depth, -batch.Count);
            var started = Stopwatch.GetTimestamp();
            try
            {
                long journaled = 0;
                using (var tx = connection.BeginTransaction())
                {
                    sql.Enlist(tx);
                    foreach (var op in batch)
                    {
                        journaled += sql.Apply(op);
                    }
                    sql.Flush();
                    tx.Commit();
                }
                journal = Math.Max(0, journal + journaled);
                Volatile.Write(ref _walGrew, true);
                _metrics.BatchCommitted(batch.Count, rows, Stopwatch.GetElapsedTime(started));
                foreach (var op in batch)
                {
                    op.Done.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
            {
                LogWriteFailed(ex, batch.Count, rows);
                foreach (var op in batch)
                {
                    op.Done.TrySetException(ex);
                }
            }
            if (folding || journal >= nextFold)
            {
                // After the acknowledgements: a chunk delays the next batch, never the one just committed.
                folding = true;
                journal = TryFoldChunk(connection, journal, ref nextFold, ref folding);
            }
        }
        if (journal > 0)
        {
            try
            {
                TraceJournal.Fold(connection); // leave the store folded on a clean stop
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
            {
                LogFoldFailed(ex, journal); // start-up folds it
            }
        }
        await stopCheckpoints.CancelAsync().ConfigureAwait(false);
        await checkpoints.ConfigureAwait(false);
        sql.Dispose();
        try
        {
            await using var pragma = connection.CreateCommand();
            // The pool hands this connection out again: back to SQLite's default, which also checkpoints what is left.
            pragma.CommandText = "PRAGMA wal_autocheckpoint=1000; PRAGMA wal_checkpoint(PASSIVE);";
            await pragma.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            LogCheckpointFailed(ex); // a full or locked store: the WAL keeps the pages, and the next open checkpoints them
        }
    }

    private enum Work
    {
        Stop,
        Batch,
        Fold,
    }

    /// <summary>
    /// Waits for writes; a fold under way goes on at once while there are none, and with rows in the journal the wait
    /// gives up after <see cref="_foldIdle"/> so that a quiet store is folded (keeping the journal, which readers scan,
    /// short).
    /// </summary>
    private Work NextWork(bool journalPending, bool folding)
    {
        while (true)
        {
            if (_queue.Reader.TryPeek(out _))
            {
                return Work.Batch;
            }
            if (_queue.Reader.Completion.IsCompleted)
            {
                return Work.Stop;
            }
            if (folding)
            {
                return Work.Fold;
            }
            if (!_queued.Wait(journalPending && _foldIdle > TimeSpan.Zero ? _foldIdle : Timeout.InfiniteTimeSpan))
            {
                return Work.Fold;
            }
            // Before looking at the queue: a write from here on releases again, one from before is seen by the peek.
            Volatile.Write(ref _signaled, 0);
        }
    }

    /// <summary>
    /// Copies committed WAL pages into the database on a connection of its own, every few hundred milliseconds while
    /// the writer commits. A passive checkpoint never takes the write lock, so commits go on meanwhile, and SQLite
    /// starts the WAL over from its beginning once a checkpoint has caught up.
    /// </summary>
    private async Task CheckpointLoopAsync(CancellationToken stop)
    {
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(stop).ConfigureAwait(false);
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            using var timer = new PeriodicTimer(CheckpointInterval);
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (!Volatile.Read(ref _walGrew))
                {
                    continue;
                }
                Volatile.Write(ref _walGrew, false);
                try
                {
                    await checkpoint.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }
                catch (SqliteException ex)
                {
                    LogCheckpointFailed(ex); // pages stay in the WAL, as durable there; the next tick tries again
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (SqliteException ex)
        {
            LogCheckpointFailed(ex); // the connection could not open: the stop's checkpoint and SQLite's next open catch up
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The trace store could not checkpoint its WAL; it grows until a checkpoint succeeds")]
    private partial void LogCheckpointFailed(Exception ex);

    /// <summary>
    /// Folds one chunk of the journal (<see cref="LabOptions.JournalFoldChunkRows"/>, <see cref="LabOptions.JournalFoldChunkBytes"/>);
    /// the fold ends when the journal is empty. On failure (a full or locked store) the rows stay in the journal,
    /// readable as they are, and the fold is tried again later.
    /// </summary>
    private long TryFoldChunk(SqliteConnection connection, long journal, ref long nextFold, ref bool folding)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var moved = TraceJournal.FoldChunk(connection, _chunkRows, _foldChunkBytes);
            var elapsed = Stopwatch.GetElapsedTime(started);
            _metrics.JournalFolded(moved, elapsed);
            if (_foldChunkMs > 0 && moved == _chunkRows)
            {
                // A full chunk: size the next one to the time budget (rows cost more or less with the sessions they
                // touch and the size of their events), halving at most, growing at most by half.
                var fit = (int)(_chunkRows * _foldChunkMs / Math.Max(0.01, elapsed.TotalMilliseconds));
                var most = Math.Min(_foldChunkRows, _chunkRows * 3 / 2 + 1);
                _chunkRows = Math.Clamp(fit, Math.Min(most, Math.Max(MinChunkRows, _chunkRows / 2)), most);
            }
            if (moved == 0)
            {
                folding = false;
                nextFold = _foldRows;
                return 0;
            }
            return Math.Max(1, journal - moved); // the count is an estimate (deletes remove rows too): the empty chunk ends it
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
        {
            // Nothing acknowledged is at risk: the rows stay in the journal. Retry after as many rows again, or when idle.
            LogFoldFailed(ex, journal);
            folding = false;
            nextFold = journal + _foldRows;
            return journal;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The trace store could not fold its journal ({Rows} rows); they stay readable there and the fold is retried")]
    private partial void LogFoldFailed(Exception ex, long rows);

    [LoggerMessage(Level = LogLevel.Error, Message = "The trace store could not commit {Ops} writes ({Rows} rows); their commands are rolled back")]
    private partial void LogWriteFailed(Exception ex, int ops, int rows);

    /// <summary>The prepared statements of the write path.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly SqliteCommand _insertSession;
        private readonly SqliteCommand _insertCommand;
        /// <summary>Most journal rows one INSERT statement carries.</summary>
        private const int MaxRowsPerInsert = 64;
        /// <summary>
        /// Commands this long (characters of JSON: a send of tens of kilobytes) skip the journal for <c>Commands</c>:
        /// folding copies a row, and copying megabytes of sends costs more than the index pages the journal saves.
        /// </summary>
        internal const int DirectCommandChars = 16 * 1024;
        private readonly JournalInsert[] _inserts; // [n]: an INSERT of 2^n journal rows
        private readonly List<JournalEntry> _pending = [];
        private readonly SqliteCommand _deleteJournal;
        private readonly SqliteCommand _deleteCommands;
        private readonly SqliteCommand _deleteEvents;
        private readonly SqliteCommand _deleteSession;
        private readonly SqliteCommand _setRevision; // a rewind rewrites the trace with this engine; a clean restore verifies it
        private readonly SqliteCommand[] _all;

        public Statements(SqliteConnection connection)
        {
            _insertSession = Prepare(connection,
                "INSERT INTO Sessions (Key, Id, Name, Owner, TokenHash, ConfigJson, CreatedAtMs, EngineRevision) VALUES ($k, $id, $name, $owner, $hash, $config, $at, $rev)",
                "$k", "$id", "$name", "$owner", "$hash", "$config", "$at", "$rev");
            _inserts = new JournalInsert[BitOperations.Log2(MaxRowsPerInsert) + 1];
            for (var n = 0; n < _inserts.Length; n++)
            {
                _inserts[n] = new JournalInsert(connection, 1 << n);
            }
            _insertCommand = Prepare(connection, "INSERT INTO Commands (SessionKey, Seq, Json) VALUES ($k, $s, $j)", "$k", "$s", "$j");
            _deleteJournal = Prepare(connection, "DELETE FROM Journal WHERE SessionKey = $k", "$k");
            _deleteCommands = Prepare(connection, "DELETE FROM Commands WHERE SessionKey = $k", "$k");
            _deleteEvents = Prepare(connection, "DELETE FROM Events WHERE SessionKey = $k", "$k");
            _deleteSession = Prepare(connection, "DELETE FROM Sessions WHERE Key = $k", "$k");
            _setRevision = Prepare(connection, "UPDATE Sessions SET EngineRevision = $rev WHERE Key = $k", "$rev", "$k");
            _all = [_insertSession, _insertCommand, _deleteJournal, _deleteCommands, _deleteEvents, _deleteSession, _setRevision];
        }

        /// <summary>Starts a batch: its statements join <paramref name="tx"/>, and nothing of a failed batch is left buffered.</summary>
        public void Enlist(SqliteTransaction tx)
        {
            _pending.Clear();
            foreach (var c in _all)
            {
                c.Transaction = tx;
            }
        }

        /// <summary>Applies a write; returns how many rows it added to the journal (negative if it removed more).</summary>
        /// <remarks>Journal rows are buffered and inserted many per statement by <see cref="Flush"/>, which runs before
        /// anything that deletes journal rows, so a batch's statements keep its order.</remarks>
        public int Apply(WriteOp op)
        {
            switch (op)
            {
                case CreateSessionOp c:
                    Run(_insertSession, c.Row.Key, c.Row.Id, c.Row.Name, c.Row.Owner, c.Row.TokenHash, c.Row.ConfigJson, c.Row.CreatedAtMs, c.Row.EngineRevision);
                    return Journal(c.Journal);
                case AppendOp a:
                    return Journal(a.Journal);
                case ReplaceOp r:
                    Flush();
                    var removed = Run(_deleteJournal, r.Key);
                    Run(_deleteCommands, r.Key);
                    Run(_deleteEvents, r.Key);
                    Run(_setRevision, LabSession.EngineRevision, r.Key);
                    return Journal(r.Journal) - removed;
                case VerifiedOp v:
                    Run(_setRevision, LabSession.EngineRevision, v.Key);
                    return 0;
                case DeleteOp d:
                    Flush();
                    removed = Run(_deleteJournal, d.Key);
                    Run(_deleteCommands, d.Key);
                    Run(_deleteEvents, d.Key);
                    Run(_deleteSession, d.Key);
                    return -removed;
                default:
                    throw new InvalidOperationException($"unknown write {op.GetType().Name}");
            }
        }

        /// <summary>Buffers a write's journal rows, its long commands written to <c>Commands</c> at once; returns the rows buffered.</summary>
        private int Journal(JournalEntry[] entries)
        {
            var before = _pending.Count;
            foreach (var entry in entries)
            {
                if (entry.Json is { Length: > DirectCommandChars } json)
                {
                    // Readers merge Commands and the journal by Seq, so a command may land in either.
                    Run(_insertCommand, entry.Key, entry.Seq!.Value, json);
                    if (entry.Data is not null)
                    {
                        _pending.Add(entry with { Seq = null, Json = null });
                    }
                }
                else
                {
                    _pending.Add(entry);
                }
            }
            return _pending.Count - before;
        }

        /// <summary>
        /// Inserts the buffered journal rows, <see cref="MaxRowsPerInsert"/> at most per statement: one multi-row
        /// INSERT per power of two in their count, each prepared once.
        /// </summary>
        public void Flush()
        {
            var at = 0;
            while (at < _pending.Count)
            {
                var size = MaxRowsPerInsert;
                while (size > _pending.Count - at)
                {
                    size >>= 1;
                }
                _inserts[BitOperations.Log2((uint)size)].Run(CollectionsMarshal.AsSpan(_pending).Slice(at, size));
                at += size;
            }
            _pending.Clear();
        }

        private static int Run(SqliteCommand command, params object[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i];
            }
            return command.ExecuteNonQuery();
        }

        private static SqliteCommand Prepare(SqliteConnection connection, string text, params string[] names)
        {
            var command = connection.CreateCommand();
            command.CommandText = text;
            foreach (var name in names)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            return command;
        }

        public void Dispose()
        {
            foreach (var c in _all)
            {
                c.Dispose();
            }
            foreach (var insert in _inserts)
            {
                insert.Dispose();
            }
        }
    }

    /// <summary>
    /// A multi-row journal INSERT prepared on the connection's own SQLite handle and bound by position. Microsoft.Data.Sqlite
    /// binds by name, and SQLite finds a name by a linear scan of the statement's parameter names: binding 64 rows of 5
    /// parameters took ~50,000 string compares per statement, with every name marshalled to UTF-8 for it (a profile of
    /// the writer benchmark: 4–5 % of all CPU on the writer thread's one core).
    /// </summary>
    /// <remarks>It runs inside the batch's transaction like the other statements: a transaction belongs to the connection.</remarks>
    private sealed class JournalInsert : IDisposable
    {
        private const int Columns = 5;
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        public JournalInsert(SqliteConnection connection, int rows)
        {
            _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
            var sql = "INSERT INTO Journal (SessionKey, Seq, Json, Idx, Data) VALUES " + string.Join(", ", Enumerable.Repeat("(?, ?, ?, ?, ?)", rows));
            SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
        }

        /// <summary>Inserts exactly as many rows as the statement has (a statement per power of two).</summary>
        public void Run(ReadOnlySpan<JournalEntry> rows)
        {
            try
            {
                for (var r = 0; r < rows.Length; r++)
                {
                    var (key, seq, json, idx, data) = rows[r];
                    var p = (r * Columns) + 1; // SQLite numbers parameters from 1
                    Check(raw.sqlite3_bind_int64(_statement, p, key));
                    Check(seq is { } s ? raw.sqlite3_bind_int64(_statement, p + 1, s) : raw.sqlite3_bind_null(_statement, p + 1));
                    Check(json is null ? raw.sqlite3_bind_null(_statement, p + 2) : raw.sqlite3_bind_text(_statement, p + 2, json));
                    Check(idx is { } i ? raw.sqlite3_bind_int64(_statement, p + 3, i) : raw.sqlite3_bind_null(_statement, p + 3));
                    // An empty span would bind a null pointer, which SQLite reads as NULL: an empty blob is a zero blob.
                    Check(data is null ? raw.sqlite3_bind_null(_statement, p + 4)
                        : data.Length == 0 ? raw.sqlite3_bind_zeroblob(_statement, p + 4, 0)
                        : raw.sqlite3_bind_blob(_statement, p + 4, data));
                }
                var rc = raw.sqlite3_step(_statement);
                if (rc != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(rc, _db);
                }
            }
            finally
            {
                raw.sqlite3_reset(_statement);
                raw.sqlite3_clear_bindings(_statement);
            }
        }

        private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);

        public void Dispose() => _statement.Dispose();
    }
}
