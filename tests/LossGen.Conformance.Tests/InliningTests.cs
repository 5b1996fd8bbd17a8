using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Linq;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Threading;
using Xunit;

namespace LossGen.Conformance.Tests.Inlining;

// Losses only this test calls, so their kernels are compiled while it listens. The short class axes run the
// lanes code, the largest methods LossGen emits (every class unrolled, exp twice per class).

/// <summary>Cross entropy, four classes in lanes.</summary>
[Loss("logsumexp(x) - x[t]", Classes = 4)]
public static partial class ProbeC4;

/// <summary>Cross entropy, ten classes in lanes.</summary>
[Loss("logsumexp(x) - x[t]", Classes = 10)]
public static partial class ProbeC10;

/// <summary>Soft-label cross entropy, ten classes in lanes.</summary>
[Loss("-sum(y * log_softmax(x))", Classes = 10)]
public static partial class ProbeSoftC10;

/// <summary>Cross entropy, class count read at run time (the class loop).</summary>
[Loss("logsumexp(x) - x[t]")]
public static partial class ProbeRuntimeClasses;

/// <summary>
/// The kernels' vector code is written once, generic over the width (docs/architecture.md), and relies on the JIT
/// inlining every width member and every vector math routine into the kernel loops: a member left as a call makes
/// every vector live across it spill to the stack on every iteration. The JIT stops inlining in a method that has
/// reached its limit of locals or its time budget, silently. This test compiles the kernels while listening to the
/// runtime's inlining events and fails on any inline into a kernel loop that the JIT refused, naming the callee and
/// the JIT's reason. It runs in the 512- and 256-bit conformance hosts (docs/performance.md).
/// </summary>
public sealed class InliningTests
{
    [Fact]
    public void Every_vector_helper_inlines_into_the_kernel_loops()
    {
        using var listener = new InliningListener();
        const int rows = 257; // at least two blocks of lanes at every width, and a scalar tail
        foreach (int classes in new[] { 4, 10, 1000 })
        {
            Run<float>(rows, classes);
            Run<double>(rows, classes);
        }

        CompiledLast(); // its compilation event follows every probe kernel's
        List<string> refused = listener.Refused(TimeSpan.FromSeconds(20));
        Assert.True(refused.Count == 0,
            "The JIT refused to inline into a kernel loop (each is a call per iteration):\n" + string.Join("\n", refused.Distinct()));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CompiledLast()
    {
    }

    private static void Run<T>(int rows, int classes) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var x = new T[rows * classes];
        var y = new T[rows * classes];
        var t = new int[rows];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = T.CreateTruncating((i * 7 % 13) * 0.25 - 1.5);
            y[i] = T.CreateTruncating(1.0 / classes);
        }

        for (int i = 0; i < rows; i++) t[i] = i % classes;
        var ts = new ReadOnlyTensorSpan<int>(t, [rows]);
        double loss = (x, y) switch
        {
            (float[] xf, float[] yf) => Losses(xf, yf, ts, rows, classes),
            (double[] xd, double[] yd) => Losses(xd, yd, ts, rows, classes),
            _ => throw new NotSupportedException(typeof(T).Name),
        };
        Assert.True(double.IsFinite(loss));
    }

    private static double Losses(float[] x, float[] y, ReadOnlyTensorSpan<int> t, int rows, int classes)
    {
        var xs = new ReadOnlyTensorSpan<float>(x, [rows, classes]);
        var ys = new ReadOnlyTensorSpan<float>(y, [rows, classes]);
        var dx = new TensorSpan<float>(new float[rows * classes], [rows, classes]);
        return classes switch
        {
            4 => ProbeC4.ForwardBackward(xs, t, dx) + ProbeC4.Forward(xs, t),
            10 => ProbeC10.ForwardBackward(xs, t, dx) + ProbeC10.Forward(xs, t) + ProbeSoftC10.ForwardBackward(xs, ys, dx),
            _ => ProbeRuntimeClasses.ForwardBackward(xs, t, dx) + ProbeRuntimeClasses.Forward(xs, t),
        };
    }

    private static double Losses(double[] x, double[] y, ReadOnlyTensorSpan<int> t, int rows, int classes)
    {
        var xs = new ReadOnlyTensorSpan<double>(x, [rows, classes]);
        var ys = new ReadOnlyTensorSpan<double>(y, [rows, classes]);
        var dx = new TensorSpan<double>(new double[rows * classes], [rows, classes]);
        return classes switch
        {
            4 => ProbeC4.ForwardBackward(xs, t, dx) + ProbeC4.Forward(xs, t),
            10 => ProbeC10.ForwardBackward(xs, t, dx) + ProbeC10.Forward(xs, t) + ProbeSoftC10.ForwardBackward(xs, ys, dx),
            _ => ProbeRuntimeClasses.ForwardBackward(xs, t, dx) + ProbeRuntimeClasses.Forward(xs, t),
        };
    }

    /// <summary>Collects the runtime's MethodJitInliningFailed events of methods in this test's probe losses.</summary>
    private sealed class InliningListener : EventListener
    {
        private const EventKeywords JitTracing = (EventKeywords)0x1000;
        private const EventKeywords Jit = (EventKeywords)0x10;
        private readonly ConcurrentQueue<string> _refused = new();
        private int _kernelsCompiled;
        private int _lastCompiled;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, JitTracing | Jit);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.Payload is null || e.PayloadNames is null || e.EventName is null)
            {
                return;
            }

            if (e.EventName.StartsWith("MethodLoad", StringComparison.Ordinal))
            {
                string loaded = Field(e, "MethodNamespace");
                if (loaded.Contains(".Inlining.Probe", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _kernelsCompiled);
                }
                else if (loaded.EndsWith(".Inlining.InliningTests", StringComparison.Ordinal) && Field(e, "MethodName") == nameof(CompiledLast))
                {
                    Volatile.Write(ref _lastCompiled, 1);
                }

                return;
            }

            if (!e.EventName.StartsWith("MethodJitInliningFailed", StringComparison.Ordinal))
            {
                return;
            }

            string method = Field(e, "MethodBeingCompiledNamespace") + "." + Field(e, "MethodBeingCompiledName");
            string callee = Field(e, "InlineeNamespace") + "." + Field(e, "InlineeName");
            string reason = Field(e, "FailReason");
            bool kernelLoop = method.Contains(".Inlining.Probe", StringComparison.Ordinal)
                && (method.EndsWith(".Lanes", StringComparison.Ordinal) || method.EndsWith(".Rows", StringComparison.Ordinal));
            bool vectorCode = callee.StartsWith("LossGen.Internal.", StringComparison.Ordinal)
                || callee.StartsWith("System.Runtime.Intrinsics.", StringComparison.Ordinal);
            // Throw helpers never return and are kept out of line on purpose.
            if (kernelLoop && vectorCode && reason != "does not return")
            {
                _refused.Enqueue($"{method} -> {callee}: {reason}");
            }
        }

        /// <summary>
        /// Waits until the compilation of <see cref="CompiledLast"/>, made after every probe kernel's, has been reported
        /// (events arrive in batches, some time after they happen), then returns the refusals.
        /// </summary>
        public List<string> Refused(TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref _lastCompiled) == 0 && clock.Elapsed < timeout)
            {
                Thread.Sleep(50);
            }

            Assert.True(Volatile.Read(ref _lastCompiled) == 1, "the JIT events did not reach the listener in time; the check saw nothing");
            Assert.True(Volatile.Read(ref _kernelsCompiled) > 0, "no probe kernel's compilation was reported; the check saw nothing");
            Thread.Sleep(200); // kernels compiled on worker threads are reported from their own buffers
            return _refused.ToList();
        }

        private static string Field(EventWrittenEventArgs e, string name)
        {
            int i = e.PayloadNames!.IndexOf(name);
            return i >= 0 ? e.Payload![i]?.ToString() ?? "" : "";
        }
    }
}
