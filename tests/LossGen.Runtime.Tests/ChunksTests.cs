using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using LossGen.Internal;
using Xunit;

namespace LossGen.Runtime.Tests;

/// <summary>Tests that change <see cref="Parallelism.MaxThreads"/> or measure allocation: never run alongside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ParallelismCollection
{
    public const string Name = "LossGen.Parallelism";
}

/// <summary>
/// <see cref="Chunks"/>: the chunk policy, every position run once, bit-identical totals for any thread count, pinning under
/// GC, zero allocation per call, concurrent and reentrant callers, exceptions, and that threads are really used.
/// The kernels below are written like generated ones: no pointers, memory reached through <see cref="Pinned.Ref{T}"/>.
/// </summary>
[Collection(ParallelismCollection.Name)]
public class ChunksTests
{
    private static readonly long[] PositionCases = [0, 1, 15, 16, 17, 1000, 100003];
    private static readonly long[] ElementCases = [1, 10, 1000];

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static ref byte Bytes<T>(T[] array) where T : struct =>
        ref Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(array));

    private static ref byte Null => ref Unsafe.NullRef<byte>();

    private static double Run<TKernel>(in TKernel kernel, nint positions, nint elementsPerPosition, ref byte r0)
        where TKernel : struct, IChunkKernel =>
        Chunks.Run(in kernel, positions, elementsPerPosition, ref r0, ref Null, ref Null, ref Null, ref Null, ref Null, ref Null, ref Null, ref Null, ref Null);

    private static double Run<TKernel>(in TKernel kernel, nint positions, nint elementsPerPosition, ref byte r0, ref byte r1)
        where TKernel : struct, IChunkKernel =>
        Chunks.Run(in kernel, positions, elementsPerPosition, ref r0, ref r1, ref Null, ref Null, ref Null, ref Null, ref Null, ref Null, ref Null, ref Null);

    /// <summary>Sets <see cref="Parallelism.MaxThreads"/> and puts the old value back on dispose.</summary>
    private sealed class MaxThreadsScope : IDisposable
    {
        private readonly int _saved = Parallelism.MaxThreads;

        public MaxThreadsScope(int value) => Parallelism.MaxThreads = value;

        public void Dispose() => Parallelism.MaxThreads = _saved;
    }

    /// <summary>Values of widely different magnitudes and both signs: their float sum depends on the order of addition.</summary>
    private static double[] WildValues(int count, int seed)
    {
        Random random = new(seed);
        double[] values = new double[count];
        for (int i = 0; i < count; i++)
        {
            double magnitude = Math.Pow(10, random.Next(-12, 13));
            values[i] = (random.Next(2) == 0 ? -1 : 1) * magnitude * (1 + random.NextDouble());
        }

        return values;
    }

    /// <summary>The documented result: per-chunk sums in position order, added in chunk order from 0.0.</summary>
    private static double ReferenceSum(double[] x, nint elementsPerPosition)
    {
        nint size = Chunks.ChunkPositions(x.Length, elementsPerPosition);
        double total = 0.0;
        for (nint start = 0; start < x.Length; start += size)
        {
            double partial = 0.0;
            for (nint p = start; p < Math.Min(start + size, x.Length); p++)
            {
                partial += x[p];
            }

            total += partial;
        }

        return total;
    }

    private static void SpinFor(double microseconds)
    {
        long end = Stopwatch.GetTimestamp() + (long)(microseconds * Stopwatch.Frequency / 1e6);
        while (Stopwatch.GetTimestamp() < end)
        {
            Thread.SpinWait(20);
        }
    }

    // ---- kernels -------------------------------------------------------------------------------------------------

    /// <summary>Counts visits per position in int array 0; counts chunk boundaries off the 16-grid in int array 1.</summary>
    private struct CountKernel : IChunkKernel
    {
        public nint Positions;

        public readonly double Run(nint start, nint end, in Pinned pinned)
        {
            ref int counts = ref pinned.Ref<int>(0);
            if (start % 16 != 0 || (end % 16 != 0 && end != Positions) || start >= end || end > Positions)
            {
                Interlocked.Increment(ref pinned.Ref<int>(1));
            }

            for (nint p = start; p < end; p++)
            {
                Unsafe.Add(ref counts, p)++;
            }

            return end - start;
        }
    }

    /// <summary>Sums double array 0 in position order.</summary>
    private struct SumKernel : IChunkKernel
    {
        public readonly double Run(nint start, nint end, in Pinned pinned)
        {
            ref double x = ref pinned.Ref<double>(0);
            double sum = 0.0;
            for (nint p = start; p < end; p++)
            {
                sum += Unsafe.Add(ref x, p);
            }

            return sum;
        }
    }

    /// <summary>Records the running thread's id per chunk in int array 0, after spinning a while.</summary>
    private struct ThreadIdKernel : IChunkKernel
    {
        public nint ChunkSize;
        public double SpinMicroseconds;

        public readonly double Run(nint start, nint end, in Pinned pinned)
        {
            SpinFor(SpinMicroseconds);
            Unsafe.Add(ref pinned.Ref<int>(0), start / ChunkSize) = Environment.CurrentManagedThreadId;
            return 0;
        }
    }

    /// <summary>Throws in the chunk holding position <see cref="ThrowAt"/>; otherwise sums nothing.</summary>
    private struct ThrowKernel : IChunkKernel
    {
        public nint ThrowAt;

        public readonly double Run(nint start, nint end, in Pinned pinned)
        {
            if (start <= ThrowAt && ThrowAt < end)
            {
                throw new InvalidOperationException($"kernel failed at position {ThrowAt}");
            }

            SpinFor(20);
            return 1;
        }
    }

    /// <summary>y = 2x (float arrays 0 and 1) with some busy work per position; returns the sum of x.</summary>
    private struct ScaleKernel : IChunkKernel
    {
        public int Work;

        public readonly double Run(nint start, nint end, in Pinned pinned)
        {
            ref float x = ref pinned.Ref<float>(0);
            ref float y = ref pinned.Ref<float>(1);
            double sum = 0;
            for (nint p = start; p < end; p++)
            {
                float v = Unsafe.Add(ref x, p);
                float w = v;
                for (int k = 0; k < Work; k++)
                {
                    w = w * 0.5f + v * 0.5f; // stays v, exactly
                }

                Unsafe.Add(ref y, p) = 2 * w;
                sum += v;
            }

            return sum;
        }
    }

    /// <summary>Writes index + 1 into int array index (0..9) at each position; returns the number of null refs seen.</summary>
    private struct AllRefsKernel : IChunkKernel
    {
        public readonly double Run(nint start, nint end, in Pinned pinned)
        {
            int nulls = 0;
            for (int i = 0; i < 10; i++)
            {
                ref int a = ref pinned.Ref<int>(i);
                if (Unsafe.IsNullRef(ref a))
                {
                    nulls++;
                    continue;
                }

                for (nint p = start; p < end; p++)
                {
                    Unsafe.Add(ref a, p) = i + 1;
                }
            }

            return nulls;
        }
    }

    /// <summary>Each chunk runs a whole inner Chunks.Run over double array 0 (Length positions) and returns its total.</summary>
    private struct ReentrantKernel : IChunkKernel
    {
        public nint Length;

        public readonly double Run(nint start, nint end, in Pinned pinned)
        {
            SumKernel inner = default;
            return ChunksTests.Run(in inner, Length, 1, ref pinned.Ref<byte>(0));
        }
    }

    // ---- tests ---------------------------------------------------------------------------------------------------

    [Fact]
    public void ChunkPositionsFollowsThePolicy()
    {
        Assert.Equal(32768, Chunks.ChunkPositions(100003, 1));
        Assert.Equal(3280, Chunks.ChunkPositions(100003, 10)); // ceil(32768 / 10) = 3277 -> 3280
        Assert.Equal(1568, Chunks.ChunkPositions(100003, 1000)); // ceil(100003 / 64) = 1563 -> 1568
        Assert.Equal(48, Chunks.ChunkPositions(1000, 1000)); // ceil(32768 / 1000) = 33 -> 48
        Assert.Equal(16, Chunks.ChunkPositions(1, 1 << 20));
        Assert.Equal(32768, Chunks.ChunkPositions(0, 0));
        Assert.Equal(32768, Chunks.ChunkPositions(5, 0)); // elementsPerPosition below 1 counts as 1

        long[] positions = [0, 1, 15, 16, 17, 1000, 32768, 32769, 100003, 1 << 21, 1_000_000_007, long.MaxValue / 4];
        long[] elements = [-3, 0, 1, 2, 10, 1000, 2048, 32768, 1 << 20, long.MaxValue];
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (long n in positions)
            {
                foreach (long e in elements)
                {
                    Parallelism.MaxThreads = 1;
                    nint size = Chunks.ChunkPositions((nint)n, (nint)e);
                    Assert.True(size >= 16 && size % 16 == 0, $"size {size} for ({n}, {e})");
                    long chunks = n <= 0 ? 0 : (n - 1) / size + 1;
                    Assert.True(chunks <= 64, $"{chunks} chunks for ({n}, {e})");
                    Assert.True(chunks * size >= n, "chunks cover every position");
                    long minimum = (32768 - 1) / Math.Max(1, e) + 1;
                    Assert.True(size >= minimum, $"size {size} below {minimum} for ({n}, {e})");
                    Assert.True(size - 16 < Math.Max(minimum, n <= 0 ? 0 : (n - 1) / 64 + 1), $"size {size} not the smallest for ({n}, {e})");

                    foreach (int threads in new[] { 2, 3, 8, 64 })
                    {
                        Parallelism.MaxThreads = threads;
                        Assert.Equal(size, Chunks.ChunkPositions((nint)n, (nint)e));
                    }
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void EveryPositionRunsExactlyOnce()
    {
        foreach (int threads in new[] { 1, 3 })
        {
            using MaxThreadsScope scope = new(threads);
            foreach (long n in PositionCases)
            {
                foreach (long e in ElementCases)
                {
                    int[] counts = new int[Math.Max(1, n)];
                    int[] errors = new int[1];
                    CountKernel kernel = new() { Positions = (nint)n };
                    double total = Run(in kernel, (nint)n, (nint)e, ref Bytes(counts), ref Bytes(errors));
                    Assert.Equal((double)n, total);
                    Assert.Equal(0, errors[0]);
                    for (int p = 0; p < n; p++)
                    {
                        if (counts[p] != 1)
                        {
                            Assert.Fail($"position {p} of {n} (x{e}, {threads} threads) ran {counts[p]} times");
                        }
                    }

                    if (n == 0)
                    {
                        Assert.Equal(0, counts[0]);
                    }
                }
            }
        }
    }

    [Fact]
    public void NegativePositionsRunNothing()
    {
        int[] counts = new int[4];
        int[] errors = new int[1];
        CountKernel kernel = new() { Positions = 0 };
        Assert.Equal(0.0, Run(in kernel, -5, 1, ref Bytes(counts), ref Bytes(errors)));
        Assert.All(counts, c => Assert.Equal(0, c));
    }

    [Fact]
    public void AllTenRefsReachTheKernelAtTheirIndex()
    {
        using MaxThreadsScope scope = new(3);
        const int n = 4000; // with 100 elements per position: 12 chunks of 336
        int[][] arrays = Enumerable.Range(0, 10).Select(_ => new int[n]).ToArray();
        AllRefsKernel kernel = default;
        double nulls = Chunks.Run(in kernel, n, 100,
            ref Bytes(arrays[0]), ref Bytes(arrays[1]), ref Bytes(arrays[2]), ref Bytes(arrays[3]),
            ref Bytes(arrays[4]), ref Bytes(arrays[5]), ref Bytes(arrays[6]), ref Bytes(arrays[7]), ref Bytes(arrays[8]), ref Bytes(arrays[9]));
        Assert.Equal(0.0, nulls);
        for (int i = 0; i < 10; i++)
        {
            Assert.All(arrays[i], v => Assert.Equal(i + 1, v));
        }

        // Null refs arrive as null refs; the others still map to their own index.
        int[] a2 = new int[n];
        int[] a6 = new int[n];
        nint chunks = (n - 1) / Chunks.ChunkPositions(n, 100) + 1;
        nulls = Chunks.Run(in kernel, n, 100, ref Null, ref Null, ref Bytes(a2), ref Null, ref Null, ref Null, ref Bytes(a6), ref Null, ref Null, ref Null);
        Assert.Equal(8.0 * chunks, nulls);
        Assert.All(a2, v => Assert.Equal(3, v));
        Assert.All(a6, v => Assert.Equal(7, v));
    }

    [Fact]
    public void PinnedRefRejectsIndicesOutside0To9()
    {
        Pinned pinned = default;
        Assert.True(Unsafe.IsNullRef(ref pinned.Ref<float>(9)));
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => pinned.Ref<float>(10));
        Assert.Equal("index", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => pinned.Ref<float>(-1));
    }

    [Fact]
    public void TotalsAreTheSameBitsForAnyThreadCount()
    {
        foreach ((int n, nint e) in new[] { (100003, (nint)1), (100003, (nint)10), (100003, (nint)1000), (5000, (nint)100), (17, (nint)1) })
        {
            double[] x = WildValues(n, seed: n + (int)e);
            long expected = BitConverter.DoubleToInt64Bits(ReferenceSum(x, e));
            foreach (int threads in new[] { 1, 2, 3, 8 })
            {
                using MaxThreadsScope scope = new(threads);
                SumKernel kernel = default;
                for (int repeat = 0; repeat < 5; repeat++)
                {
                    long actual = BitConverter.DoubleToInt64Bits(Run(in kernel, n, e, ref Bytes(x)));
                    Assert.True(expected == actual,
                        $"n={n} e={e} threads={threads}: {BitConverter.Int64BitsToDouble(actual):R} != {BitConverter.Int64BitsToDouble(expected):R}");
                }
            }
        }
    }

    [Fact]
    public void TheTestDataIsOrderSensitive()
    {
        // Guards the determinism test: the chunked order must give different bits from a plain left-to-right sum,
        // or identical results would prove nothing about the order of addition.
        double[] x = WildValues(100003, seed: 100003 + 1000);
        double plain = 0.0;
        foreach (double v in x)
        {
            plain += v;
        }

        Assert.NotEqual(BitConverter.DoubleToInt64Bits(plain), BitConverter.DoubleToInt64Bits(ReferenceSum(x, 1000)));
    }

    [Fact]
    public void PinsHoldUnderCompactingCollections()
    {
        using MaxThreadsScope scope = new(3);
        using CancellationTokenSource stop = new();
        int collections = 0;
        Thread collector = new(() =>
        {
            List<object> keep = [];
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < 2000; i++)
                {
                    keep.Add(new byte[32 + i % 200]);
                }

                keep.RemoveRange(0, keep.Count / 2);
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                Interlocked.Increment(ref collections);
                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        collector.Start();
        try
        {
            Stopwatch clock = Stopwatch.StartNew();
            int iteration = 0;
            while (clock.ElapsedMilliseconds < 1000 || Volatile.Read(ref collections) < 10)
            {
                const int n = 20000; // 80 KB: below the large object heap, so the GC may move the arrays
                float[] x = new float[n];
                float[] y = new float[n];
                _ = new byte[1000 + iteration % 5000]; // shift the next arrays' addresses
                double expected = 0;
                for (int p = 0; p < n; p++)
                {
                    x[p] = (p % 1000) + iteration;
                    expected += x[p];
                }

                ScaleKernel kernel = new() { Work = 16 };
                double total = Run(in kernel, n, 64, ref Bytes(x), ref Bytes(y)); // 40 chunks of 512
                Assert.Equal(expected, total);
                for (int p = 0; p < n; p++)
                {
                    if (y[p] != 2 * x[p])
                    {
                        Assert.Fail($"iteration {iteration}, position {p}: {y[p]} != 2 * {x[p]}");
                    }
                }

                iteration++;
                if (clock.ElapsedMilliseconds > 8000)
                {
                    Assert.Fail($"{iteration} runs and {Volatile.Read(ref collections)} collections in 8 s");
                }
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }

        Assert.True(collections >= 10);
    }

    [Fact]
    public void CallsAllocateNothingAfterWarmUp()
    {
        using MaxThreadsScope scope = new(3);
        double[] x = WildValues(100003, seed: 7);
        double expected = ReferenceSum(x, 1);
        SumKernel kernel = default;
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(expected, Run(in kernel, x.Length, 1, ref Bytes(x)));
        }

        long threadBefore = GC.GetAllocatedBytesForCurrentThread();
        int wrong = 0;
        for (int i = 0; i < 100; i++)
        {
            wrong += Run(in kernel, x.Length, 1, ref Bytes(x)) == expected ? 0 : 1;
        }

        long threadBytes = GC.GetAllocatedBytesForCurrentThread() - threadBefore;
        Assert.True(threadBytes == 0, $"the caller allocated {threadBytes} bytes in 100 calls");
        Assert.Equal(0, wrong);

        // All threads (the workers included). Other threads of the test host (result reporting, finalizers) may
        // allocate now and then: retry after a short pause, and accept if any attempt allocated nothing.
        List<long> attempts = [];
        for (int attempt = 0; attempt < 20; attempt++)
        {
            Thread.Sleep(10);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 100; i++)
            {
                Run(in kernel, x.Length, 1, ref Bytes(x));
            }

            long bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
            attempts.Add(bytes);
            if (bytes == 0)
            {
                break;
            }
        }

        if (!attempts.Contains(0))
        {
            // For the message: what the process allocates meanwhile without any calls.
            long idleBefore = GC.GetTotalAllocatedBytes(precise: true);
            Thread.Sleep(20);
            long idle = GC.GetTotalAllocatedBytes(precise: true) - idleBefore;
            Assert.Fail($"bytes allocated per 100 calls: {string.Join(", ", attempts)}; in 20 ms without calls: {idle}");
        }
    }

    [Fact]
    public void ConcurrentCallersGetTheirOwnCorrectResults()
    {
        using MaxThreadsScope scope = new(4);
        const int callers = 4;
        double[][] data = Enumerable.Range(0, callers).Select(i => WildValues(100003 + 1000 * i, seed: 40 + i)).ToArray();
        double[] expected = data.Select(x => ReferenceSum(x, 10)).ToArray();
        string?[] failures = new string?[callers];
        using Barrier barrier = new(callers);
        Thread[] threads = Enumerable.Range(0, callers).Select(c => new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait();
                SumKernel kernel = default;
                for (int i = 0; i < 40; i++)
                {
                    double total = Run(in kernel, data[c].Length, 10, ref Bytes(data[c]));
                    if (BitConverter.DoubleToInt64Bits(total) != BitConverter.DoubleToInt64Bits(expected[c]))
                    {
                        failures[c] = $"caller {c}, call {i}: {total:R} != {expected[c]:R}";
                        return;
                    }

                    int n = 3000 + 17 * c;
                    int[] counts = new int[n];
                    int[] errors = new int[1];
                    CountKernel count = new() { Positions = n };
                    Run(in count, n, 100, ref Bytes(counts), ref Bytes(errors));
                    if (errors[0] != 0 || counts.Any(v => v != 1))
                    {
                        failures[c] = $"caller {c}, call {i}: positions not run exactly once";
                        return;
                    }
                }
            }
            catch (Exception e)
            {
                failures[c] = e.ToString();
            }
        })).ToArray();
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            t.Join();
        }

        Assert.All(failures, f => Assert.Null(f));
    }

    [Fact]
    public void KernelsMayCallRunFromInsideAChunk()
    {
        using MaxThreadsScope scope = new(3);
        double[] x = WildValues(100003, seed: 11);
        double inner = ReferenceSum(x, 1);
        ReentrantKernel kernel = new() { Length = x.Length };
        // 2048 elements per position: chunks of 16 positions, so 4 chunks for 64 positions.
        double total = Run(in kernel, 64, 2048, ref Bytes(x));
        Assert.Equal(BitConverter.DoubleToInt64Bits(((inner + inner) + inner) + inner), BitConverter.DoubleToInt64Bits(total));
    }

    [Fact]
    public void AKernelExceptionSurfacesOnTheCallerAndThePoolKeepsWorking()
    {
        const int n = 13 * 32768; // 13 chunks of 32768 with 1 element per position
        double[] x = WildValues(100003, seed: 5);
        double expected = ReferenceSum(x, 1);
        foreach (int threads in new[] { 1, 3 })
        {
            using MaxThreadsScope scope = new(threads);
            foreach (int chunk in new[] { 0, 1, 6, 12 })
            {
                ThrowKernel kernel = new() { ThrowAt = chunk * 32768 + 5 };
                InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => Run(in kernel, n, 1, ref Null));
                Assert.Equal($"kernel failed at position {chunk * 32768 + 5}", e.Message);
                Assert.Contains(nameof(ThrowKernel), e.StackTrace);

                SumKernel sum = default;
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(Run(in sum, x.Length, 1, ref Bytes(x))));
                ThrowKernel harmless = new() { ThrowAt = -1 };
                Assert.Equal(13.0, Run(in harmless, n, 1, ref Null));
            }
        }
    }

    [Fact]
    public void MaxThreadsBelowOneThrows()
    {
        int saved = Parallelism.MaxThreads;
        foreach (int bad in new[] { 0, -1, int.MinValue })
        {
            ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = bad);
            Assert.Equal("value", e.ParamName);
            Assert.Equal(bad, e.ActualValue);
            Assert.Contains($"got {bad}", e.Message);
            Assert.Contains("[1, ", e.Message);
        }

        Assert.Equal(saved, Parallelism.MaxThreads);
        Assert.True(saved >= 1);
    }

    [Fact]
    public void IdleSpinOutsideZeroToOneSecondThrows()
    {
        TimeSpan saved = Parallelism.IdleSpin;
        Assert.Equal(TimeSpan.FromMicroseconds(200), saved);
        foreach (TimeSpan bad in new[] { TimeSpan.FromTicks(-1), TimeSpan.FromSeconds(1.5) })
        {
            ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.IdleSpin = bad);
            Assert.Equal("value", e.ParamName);
            Assert.Contains("[0, 1 s]", e.Message);
        }

        Assert.Equal(saved, Parallelism.IdleSpin);
    }

    [Fact]
    public void ResultsDoNotDependOnIdleSpin()
    {
        using MaxThreadsScope scope = new(2);
        TimeSpan saved = Parallelism.IdleSpin;
        try
        {
            double[] x = Enumerable.Range(0, 200_000).Select(i => Math.Sin(i) * Math.Pow(10, i % 7)).ToArray();
            SumKernel sum = default;
            double spinning = Run(in sum, x.Length, 1, ref Bytes(x));
            Parallelism.IdleSpin = TimeSpan.Zero;
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(spinning), BitConverter.DoubleToInt64Bits(Run(in sum, x.Length, 1, ref Bytes(x))));
            }
        }
        finally
        {
            Parallelism.IdleSpin = saved;
        }
    }

    [Fact]
    public void LargeWorkUsesSeveralThreadsAndNoMoreThanMaxThreads()
    {
        // 2048 elements per position: 16 positions per chunk, 64 chunks of about 0.3 ms each.
        const int n = 64 * 16;
        int cores = Environment.ProcessorCount;
        // On one core the default (MaxThreads = ProcessorCount = 1) must keep everything on the caller.
        foreach (int threads in cores >= 2 ? new[] { cores, 2, 1 } : new[] { cores })
        {
            using MaxThreadsScope scope = new(threads);
            int distinct = 0;
            for (int attempt = 0; attempt < 5; attempt++)
            {
                int[] ids = new int[64];
                ThreadIdKernel kernel = new() { ChunkSize = 16, SpinMicroseconds = 300 };
                Run(in kernel, n, 2048, ref Bytes(ids));
                Assert.DoesNotContain(0, ids);
                distinct = ids.Distinct().Count();
                Assert.True(distinct <= threads, $"{distinct} threads ran chunks with MaxThreads = {threads}");
                if (threads < 2 || distinct >= 2)
                {
                    break;
                }
            }

            if (threads >= 2)
            {
                Assert.True(distinct >= 2, $"only {distinct} thread(s) ran 64 chunks with MaxThreads = {threads} on {cores} cores");
            }
            else
            {
                Assert.Equal(1, distinct);
            }
        }
    }
}
