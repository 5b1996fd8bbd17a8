using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace LossGen.Tests.Runtime;

/// <summary>
/// Large calls run on several threads in fixed chunks: the result may not depend on the thread count, calls may not
/// allocate, and the specialised short-class-axis paths (unrolled lanes, flat output blocks) must agree with the
/// general ones.
/// </summary>
[Collection(nameof(ThreadingTests))]
[CollectionDefinition(nameof(ThreadingTests), DisableParallelization = true)]
public class ThreadingTests
{
    private static float[] Logits(int n, int seed) => Enumerable.Range(0, n).Select(i => (float)(new Random(seed + i).NextDouble() * 8 - 4)).ToArray();

    private static (float Loss, float[] Dx) CrossEntropyAt(int threads, float[] x, int[] t, int n, int c)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try
        {
            float[] dx = new float[x.Length];
            float loss = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<float>(dx, [n, c]));
            return (loss, dx);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Theory]
    [InlineData(3000, 1000)]
    [InlineData(70000, 7)]
    public void Results_are_the_same_bits_for_any_thread_count(int n, int c)
    {
        float[] x = Logits(n * c, n);
        int[] t = Enumerable.Range(0, n).Select(i => i % 97 == 0 ? -100 : (i * 7) % c).ToArray();
        (float loss1, float[] dx1) = CrossEntropyAt(1, x, t, n, c);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            (float loss, float[] dx) = CrossEntropyAt(threads, x, t, n, c);
            Assert.Equal(BitConverter.SingleToInt32Bits(loss1), BitConverter.SingleToInt32Bits(loss));
            Assert.True(dx1.AsSpan().SequenceEqual(dx), $"dx differs with {threads} threads");
        }
    }

    [Theory]
    [InlineData(3000, 1000, false)]
    [InlineData(3000, 1000, true)]
    [InlineData(97, 33001, false)]
    public void A_large_call_equals_the_same_rows_computed_in_small_calls(int n, int c, bool inPlace)
    {
        // One call of 12 MB and more (many chunks, both threads) against slices of 64 rows (one chunk each).
        float[] x = Logits(n * c, c + n);
        int[] t = Enumerable.Range(0, n).Select(i => i % 31 == 0 ? -100 : (i * 11) % c).ToArray();
        float[] dx = inPlace ? (float[])x.Clone() : new float[x.Length];
        float[] source = inPlace ? dx : x;
        float loss = CrossEntropySum.ForwardBackward(new ReadOnlyTensorSpan<float>(source, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<float>(dx, [n, c]));
        float[] expected = new float[x.Length];
        double total = 0;
        for (int start = 0; start < n; start += 64)
        {
            int rows = Math.Min(64, n - start);
            total += CrossEntropySum.ForwardBackward(
                new ReadOnlyTensorSpan<float>(x.AsSpan(start * c, rows * c).ToArray(), [rows, c]),
                new ReadOnlyTensorSpan<int>(t.AsSpan(start, rows).ToArray(), [rows]),
                new TensorSpan<float>(expected.AsSpan(start * c, rows * c).ToArray() is var slice ? slice : null!, [rows, c]));
            Array.Copy(slice, 0, expected, start * c, rows * c);
        }

        Assert.True(expected.AsSpan().SequenceEqual(dx), "dx of one large call differs from dx computed in small calls");
        Assert.Equal(total, loss, Math.Abs(total) * 1e-5);
    }

    [Fact]
    public void Large_parallel_calls_allocate_nothing()
    {
        const int n = 512, c = 2000; // 16 chunks: parallel whenever MaxThreads > 1
        float[] x = Logits(n * c, 5);
        int[] t = Enumerable.Range(0, n).Select(i => i % c).ToArray();
        float[] dx = new float[x.Length];
        void Run() => CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<float>(dx, [n, c]));
        // Past tiered compilation's call counts (its background promotions allocate, the kernels do not).
        for (int i = 0; i < 3; i++)
        {
            for (int k = 0; k < 40; k++)
            {
                Run();
            }

            System.Threading.Thread.Sleep(150);
        }

        // Worker threads allocate nothing either: the pool counts what its workers allocate while running chunks (a
        // whole-process count is no evidence here, the test host's own threads allocate all the time).
        long workerBytes = WorkerPoolCounter("WorkerAllocatedBytes");
        long workerChunks = WorkerPoolCounter("WorkerChunks");
        long callerBytes = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - callerBytes);
        Assert.Equal(0, WorkerPoolCounter("WorkerAllocatedBytes") - workerBytes);
        if (Environment.ProcessorCount > 1 && Parallelism.MaxThreads > 1)
        {
            Assert.True(WorkerPoolCounter("WorkerChunks") > workerChunks, "no chunk ran on a worker thread");
        }
    }

    private static long WorkerPoolCounter(string name) =>
        (long)typeof(Parallelism).Assembly.GetType("LossGen.Internal.WorkerPool", throwOnError: true)!
            .GetProperty(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .GetValue(null)!;

    [Theory]
    [InlineData(16)]
    [InlineData(53)]
    [InlineData(4099)]
    public void Specialised_class_count_agrees_with_the_general_kernel(int n)
    {
        const int c = 10;
        double[] x = Logits(n * c, n + 1).Select(v => (double)v).ToArray();
        double[] w = Enumerable.Range(0, c).Select(i => 0.5 + i * 0.1).ToArray();
        int[] t = Enumerable.Range(0, n).Select(i => i % 13 == 0 ? 3 : (i * 3) % c).ToArray();
        foreach (bool single in new[] { false, true })
        {
            double[] dxAny = new double[x.Length], dx10 = new double[x.Length];
            double lossAny, loss10;
            if (single)
            {
                float[] xf = Array.ConvertAll(x, v => (float)v), wf = Array.ConvertAll(w, v => (float)v);
                float[] gAny = new float[x.Length], g10 = new float[x.Length];
                lossAny = SmoothedCrossEntropyAny.ForwardBackward(new ReadOnlyTensorSpan<float>(xf, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new ReadOnlyTensorSpan<float>(wf, [c]), new TensorSpan<float>(gAny, [n, c]));
                loss10 = SmoothedCrossEntropy10.ForwardBackward(new ReadOnlyTensorSpan<float>(xf, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new ReadOnlyTensorSpan<float>(wf, [c]), new TensorSpan<float>(g10, [n, c]));
                dxAny = Array.ConvertAll(gAny, v => (double)v);
                dx10 = Array.ConvertAll(g10, v => (double)v);
            }
            else
            {
                lossAny = SmoothedCrossEntropyAny.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new ReadOnlyTensorSpan<double>(w, [c]), new TensorSpan<double>(dxAny, [n, c]));
                loss10 = SmoothedCrossEntropy10.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new ReadOnlyTensorSpan<double>(w, [c]), new TensorSpan<double>(dx10, [n, c]));
            }

            double tolerance = single ? 2e-6 : 1e-13;
            Assert.Equal(lossAny, loss10, tolerance * Math.Max(1, Math.Abs(lossAny)));
            for (int i = 0; i < dxAny.Length; i++)
            {
                Assert.True(Math.Abs(dxAny[i] - dx10[i]) <= tolerance, $"dx[{i}]: general {dxAny[i]}, specialised {dx10[i]} ({(single ? "float" : "double")})");
            }

            // In place (dx is x) gives what a separate dx gives.
            double[] inPlace = (double[])x.Clone();
            double lossInPlace = SmoothedCrossEntropy10.ForwardBackward(new ReadOnlyTensorSpan<double>(inPlace, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new ReadOnlyTensorSpan<double>(w, [c]), new TensorSpan<double>(inPlace, [n, c]));
            double[] separate = new double[x.Length];
            double lossSeparate = SmoothedCrossEntropy10.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new ReadOnlyTensorSpan<double>(w, [c]), new TensorSpan<double>(separate, [n, c]));
            Assert.Equal(lossSeparate, lossInPlace);
            Assert.Equal(separate, inPlace);
        }
    }
}
