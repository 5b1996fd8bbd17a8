using System;
using System.Diagnostics;
using System.Threading;

namespace LossGen.Internal;

/// <summary>
/// LossGen's worker threads: created on first need, one job at a time. The caller of a job takes the pool with
/// <see cref="TryEnter"/> (never blocking: a busy pool means "run it yourself"), publishes a <see cref="JobFrame"/> from its
/// stack with <see cref="Start"/>, takes chunks itself, and calls <see cref="Finish"/>, which returns only when every
/// worker woken for the job has checked out. Nothing here allocates once the workers exist.
/// </summary>
internal static unsafe class WorkerPool
{
    /// <summary>1 while a job owns the pool.</summary>
    private static int s_busy;

    /// <summary>One permit per worker to wake for the current job.</summary>
    private static readonly SemaphoreSlim s_wake = new(0, int.MaxValue);

    /// <summary>
    /// Released once by the worker that brings <see cref="s_pending"/> to 0, for the caller to take. (A semaphore rather
    /// than an event: nothing to reset, so no late signal can leak into the next job, and its lock object exists from
    /// the start, so even the first blocking wait allocates nothing.)
    /// </summary>
    private static readonly SemaphoreSlim s_done = new(0, 1);

    /// <summary>Workers created so far (touched only by the pool's owner).</summary>
    private static int s_workers;

    /// <summary>
    /// 1 for the caller plus the permits released for the current job that have not yet been taken back by the caller
    /// or checked out by a worker.
    /// </summary>
    private static int s_pending;

    /// <summary>The current job.</summary>
    private static JobFrame* s_frame;

    /// <summary>Runs one chunk of the current job.</summary>
    private static delegate*<void*, int, void> s_runChunk;

    /// <summary>The first exception a chunk of the current job threw.</summary>
    private static Exception? s_error;

    private static long s_workerChunks;

    private static long s_workerAllocated;

    /// <summary>Chunks run by worker threads so far (for tests: evidence that a call ran in parallel).</summary>
    internal static long WorkerChunks => Interlocked.Read(ref s_workerChunks);

    /// <summary>Bytes worker threads allocated while running chunks so far (for tests: it must stay 0).</summary>
    internal static long WorkerAllocatedBytes => Interlocked.Read(ref s_workerAllocated);

    /// <summary>Takes the pool for a job if no other job has it; never blocks.</summary>
    internal static bool TryEnter() => Interlocked.CompareExchange(ref s_busy, 1, 0) == 0;

    /// <summary>
    /// Publishes <paramref name="frame"/> and wakes up to <paramref name="wantedHelpers"/> workers, creating missing ones.
    /// Must be followed by <see cref="Finish"/> (in a finally).
    /// </summary>
    internal static void Start(JobFrame* frame, delegate*<void*, int, void> runChunk, int wantedHelpers)
    {
        s_pending = 1;
        s_frame = frame;
        s_runChunk = runChunk;
        s_error = null;
        int helpers = Grow(wantedHelpers);

        // The caller holds one count itself, so whoever brings the count to 0 is the last one out of the job. A worker
        // that is last releases s_done, and the caller, not being last, waits for exactly that release: so every release
        // is taken within its own job.
        Volatile.Write(ref s_pending, helpers + 1);
        if (helpers > 0)
        {
            s_wake.Release(helpers); // a full fence: the worker taking a permit sees the job
        }
    }

    /// <summary>Records the first failure of the job and skips the chunks not yet taken.</summary>
    internal static void Fail(JobFrame* frame, Exception e)
    {
        // No allocation here (it could fail and leave the job unaccounted for): the exception keeps its own stack trace.
        Interlocked.CompareExchange(ref s_error, e, null);
        Interlocked.Exchange(ref frame->NextChunk, frame->ChunkCount);
    }

    /// <summary>
    /// Waits until every worker woken for the job has checked out (first taking back wake-ups no worker has picked up
    /// yet), releases the pool and returns the job's first failure, if any.
    /// </summary>
    internal static Exception? Finish()
    {
        while (s_wake.Wait(0))
        {
            // A wake-up no worker picked up yet: take it back, so the caller need not wait for a worker to be
            // scheduled only to find no chunks left. (Never more than this job's permits are outstanding.)
            Interlocked.Decrement(ref s_pending);
        }

        // The caller's own count. Unless it was the last, wait for the worker that will be.
        if (Interlocked.Decrement(ref s_pending) != 0)
        {
            s_done.Wait();
        }

        Exception? error = s_error;
        s_error = null;
        s_frame = null;
        s_runChunk = null;
        Volatile.Write(ref s_busy, 0);
        return error;
    }

    /// <summary>Creates workers up to <paramref name="wanted"/>; returns how many there are, at most <paramref name="wanted"/>.</summary>
    private static int Grow(int wanted)
    {
        while (s_workers < wanted)
        {
            try
            {
                Thread thread = new(WorkerMain) { IsBackground = true, Name = "LossGen worker" };
                thread.Start();
            }
            catch (Exception)
            {
                // Out of threads or memory: make do with the workers there are (the caller runs the rest).
                break;
            }

            s_workers++;
        }

        return Math.Min(wanted, s_workers);
    }

    /// <summary>
    /// Waits for the next job: polls for <see cref="Parallelism.IdleSpin"/> first (back-to-back calls then find the worker
    /// awake instead of paying the operating system's wake-up latency, which on a virtual machine can be as long as a
    /// whole small call), then blocks.
    /// </summary>
    private static void WaitForJob()
    {
        long spin = (long)(Parallelism.IdleSpin.TotalSeconds * Stopwatch.Frequency);
        if (spin <= 0)
        {
            s_wake.Wait();
            return;
        }

        long until = Stopwatch.GetTimestamp() + spin;
        do
        {
            if (s_wake.CurrentCount > 0 && s_wake.Wait(0))
            {
                return;
            }

            Thread.SpinWait(20);
        }
        while (Stopwatch.GetTimestamp() < until);

        s_wake.Wait();
    }

    private static void WorkerMain()
    {
        while (true)
        {
            WaitForJob();
            JobFrame* frame = s_frame;
            delegate*<void*, int, void> runChunk = s_runChunk;
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                int chunks = frame->ChunkCount;
                while (true)
                {
                    int chunk = Interlocked.Increment(ref frame->NextChunk) - 1;
                    if (chunk >= chunks)
                    {
                        break;
                    }

                    runChunk(frame, chunk);
                    Interlocked.Increment(ref s_workerChunks);
                }
            }
            catch (Exception e)
            {
                Fail(frame, e);
            }

            Interlocked.Add(ref s_workerAllocated, GC.GetAllocatedBytesForCurrentThread() - allocated);

            // Check out; after this the frame may be gone.
            if (Interlocked.Decrement(ref s_pending) == 0)
            {
                s_done.Release();
            }
        }
    }
}
