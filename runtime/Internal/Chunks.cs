using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace LossGen.Internal;

/// <summary>
/// Runs a generated kernel over [0, positions) in deterministic chunks, on up to <see cref="Parallelism.MaxThreads"/>
/// threads, with results that are the same bits for any thread count and no allocation per call.
/// </summary>
/// <remarks>
/// <para>Chunk policy: with <c>MinChunkElements = 32768</c> and <c>MaxChunks = 64</c>, a chunk has
/// <c>max(ceil(MinChunkElements / max(1, elementsPerPosition)), ceil(positions / MaxChunks))</c> positions, rounded up to a
/// multiple of 16 (so lane blocks of 4, 8 or 16 positions never straddle a chunk boundary) and at least 16. Chunk
/// <c>i</c> covers <c>[i * size, min((i + 1) * size, positions))</c>; there are at most 64 chunks. The chunks depend only
/// on <c>positions</c> and <c>elementsPerPosition</c>, never on the thread count.</para>
/// <para>Threads: with 2 or more chunks and <see cref="Parallelism.MaxThreads"/> above 1, the caller wakes
/// <c>min(MaxThreads - 1, chunks - 1)</c> LossGen worker threads (created on first need) and takes chunks alongside them.
/// If another call is already using the workers (another thread, or a kernel calling Run from inside a chunk), the
/// caller runs all its chunks itself, in order, rather than wait. The chunks' partial totals are added in chunk order,
/// starting from 0.0, whoever ran them.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class Chunks
{
    /// <summary>Chunks have at least this many elements (positions times elements per position), work allowing.</summary>
    private const int MinChunkElements = 32768;

    /// <summary>The most chunks one call is split into (the size of the stack buffer of partial totals).</summary>
    internal const int MaxChunks = 64;

    /// <summary>Chunk sizes are multiples of this many positions.</summary>
    private const int PositionAlignment = 16;

    /// <summary>
    /// Splits [0, <paramref name="positions"/>) into chunks of <see cref="ChunkPositions"/> positions, runs
    /// <paramref name="kernel"/>'s <see cref="IChunkKernel.Run"/> on every chunk (each on its own copy of the struct) — on up
    /// to <see cref="Parallelism.MaxThreads"/> threads when there are 2 or more chunks, else all on the caller's thread —
    /// and returns the sum of the chunks' partial totals, added in chunk order starting from 0.0, so the result is the
    /// same bits for any thread count. <paramref name="r0"/>..<paramref name="r9"/> are pinned for the call and reach the
    /// kernel through <see cref="Pinned.Ref{T}(int)"/> with index 0..9; pass <c>ref Unsafe.NullRef&lt;byte&gt;()</c> for
    /// unused ones. Returns 0 without calling the kernel when <paramref name="positions"/> is 0 or less. The first
    /// exception a chunk throws is rethrown here, after every chunk in progress has finished (chunks not yet started
    /// are skipped).
    /// </summary>
    /// <typeparam name="TKernel">The generated kernel struct.</typeparam>
    /// <param name="kernel">The kernel; copied, never modified.</param>
    /// <param name="positions">The number of positions (rows) to run.</param>
    /// <param name="elementsPerPosition">About how many elements one position touches (sets the smallest chunk).</param>
    /// <param name="r0">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(0)</c>.</param>
    /// <param name="r1">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(1)</c>.</param>
    /// <param name="r2">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(2)</c>.</param>
    /// <param name="r3">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(3)</c>.</param>
    /// <param name="r4">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(4)</c>.</param>
    /// <param name="r5">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(5)</c>.</param>
    /// <param name="r6">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(6)</c>.</param>
    /// <param name="r7">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(7)</c>.</param>
    /// <param name="r8">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(8)</c>.</param>
    /// <param name="r9">Memory reaching the kernel as <c>pinned.Ref&lt;T&gt;(9)</c>.</param>
    /// <returns>The sum of the chunks' partial totals, in chunk order.</returns>
    public static double Run<TKernel>(in TKernel kernel, nint positions, nint elementsPerPosition,
        ref byte r0, ref byte r1, ref byte r2, ref byte r3, ref byte r4, ref byte r5, ref byte r6, ref byte r7, ref byte r8, ref byte r9)
        where TKernel : struct, IChunkKernel
    {
        if (positions <= 0)
        {
            return 0.0;
        }

        nint size = ChunkPositions(positions, elementsPerPosition);
        int chunks = (int)((positions - 1) / size + 1);

        fixed (byte* p0 = &r0)
        fixed (byte* p1 = &r1)
        fixed (byte* p2 = &r2)
        fixed (byte* p3 = &r3)
        fixed (byte* p4 = &r4)
        fixed (byte* p5 = &r5)
        fixed (byte* p6 = &r6)
        fixed (byte* p7 = &r7)
        fixed (byte* p8 = &r8)
        fixed (byte* p9 = &r9)
        {
            Pinned pinned = new(p0, p1, p2, p3, p4, p5, p6, p7, p8, p9);
            int maxThreads = Parallelism.MaxThreads;
            if (chunks >= 2 && maxThreads > 1 && WorkerPool.TryEnter())
            {
                return RunParallel(kernel, positions, size, chunks, Math.Min(maxThreads - 1, chunks - 1), in pinned);
            }

            return RunSequential(kernel, positions, size, chunks, in pinned);
        }
    }

    /// <summary>
    /// The number of positions per chunk for <paramref name="positions"/> positions of <paramref name="elementsPerPosition"/>
    /// elements each: <c>max(ceil(32768 / max(1, elementsPerPosition)), ceil(positions / 64))</c> rounded up to a multiple of
    /// 16, and at least 16. Independent of <see cref="Parallelism.MaxThreads"/>; <c>ceil(positions / result)</c> is at
    /// most 64.
    /// </summary>
    /// <param name="positions">The number of positions (values of 0 or less count as 0).</param>
    /// <param name="elementsPerPosition">Elements per position (values below 1 count as 1).</param>
    /// <returns>The chunk size in positions.</returns>
    public static nint ChunkPositions(nint positions, nint elementsPerPosition)
    {
        nint elements = Math.Max((nint)1, elementsPerPosition);
        nint bySize = (MinChunkElements - 1) / elements + 1;
        nint byCount = positions > 0 ? (positions - 1) / MaxChunks + 1 : 0;
        nint size = Math.Max(bySize, byCount);
        size = (size + (PositionAlignment - 1)) & ~(nint)(PositionAlignment - 1);
        return Math.Max(size, PositionAlignment);
    }

    private static double RunSequential<TKernel>(in TKernel kernel, nint positions, nint size, int chunks, in Pinned pinned)
        where TKernel : struct, IChunkKernel
    {
        double total = 0.0;
        nint start = 0;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            nint end = Math.Min(start + size, positions);
            TKernel copy = kernel;
            total += copy.Run(start, end, in pinned);
            start = end;
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double RunParallel<TKernel>(in TKernel kernel, nint positions, nint size, int chunks, int wantedHelpers, in Pinned pinned)
        where TKernel : struct, IChunkKernel
    {
        // Everything the workers see lives in this frame, on this thread's stack, until every woken worker checked out.
        TKernel local = kernel;
        double* partials = stackalloc double[MaxChunks];
        JobFrame frame;
        frame.Kernel = Unsafe.AsPointer(ref local);
        frame.Partials = partials;
        frame.Pinned = pinned;
        frame.Positions = positions;
        frame.ChunkSize = size;
        frame.ChunkCount = chunks;
        frame.NextChunk = 0;

        Exception? error;
        try
        {
            WorkerPool.Start(&frame, &RunChunk<TKernel>, wantedHelpers);
            try
            {
                while (true)
                {
                    int chunk = Interlocked.Increment(ref frame.NextChunk) - 1;
                    if (chunk >= chunks)
                    {
                        break;
                    }

                    RunChunk<TKernel>(&frame, chunk);
                }
            }
            catch (Exception e)
            {
                WorkerPool.Fail(&frame, e);
            }
        }
        finally
        {
            // Never leave while a worker may still read the frame.
            error = WorkerPool.Finish();
        }

        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }

        double total = 0.0;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            total += partials[chunk];
        }

        return total;
    }

    /// <summary>Runs chunk <paramref name="chunk"/> of the job in <paramref name="frame"/> and stores its partial total.</summary>
    private static void RunChunk<TKernel>(void* frame, int chunk)
        where TKernel : struct, IChunkKernel
    {
        JobFrame* job = (JobFrame*)frame;
        nint start = chunk * job->ChunkSize;
        nint end = Math.Min(start + job->ChunkSize, job->Positions);
        TKernel copy = Unsafe.AsRef<TKernel>(job->Kernel);
        job->Partials[chunk] = copy.Run(start, end, in job->Pinned);
    }
}

/// <summary>One parallel Run call, on the caller's stack: what workers need to take and run chunks.</summary>
internal unsafe struct JobFrame
{
    /// <summary>The kernel struct (a copy on the caller's stack).</summary>
    public void* Kernel;

    /// <summary>The chunks' partial totals, indexed by chunk.</summary>
    public double* Partials;

    /// <summary>The pinned memory.</summary>
    public Pinned Pinned;

    /// <summary>The number of positions.</summary>
    public nint Positions;

    /// <summary>Positions per chunk.</summary>
    public nint ChunkSize;

    /// <summary>The number of chunks.</summary>
    public int ChunkCount;

    /// <summary>The next chunk to take (Interlocked.Increment); at or past <see cref="ChunkCount"/>: none left.</summary>
    public int NextChunk;
}
