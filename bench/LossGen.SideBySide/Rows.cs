using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace LossGen.Bench;

internal enum RowKind { ClassIndices, SoftLabels, TrainingStep }

internal enum GoalKind { FasterThanTorch, AtMostCopy, NoAllocation }

/// <summary>A speed goal for one row.</summary>
internal sealed record Goal(GoalKind Kind, double Factor = 0)
{
    public string Text => Kind switch
    {
        GoalKind.FasterThanTorch => $"≥ {Factor:0.#}× libtorch",
        GoalKind.AtMostCopy => $"≤ {Factor:0.#}× copy",
        _ => "0 B/call",
    };

    /// <summary>Whether <paramref name="r"/> meets the goal; null when a column it needs is missing.</summary>
    public bool? Met(RowResult r) => Kind switch
    {
        GoalKind.FasterThanTorch => double.IsNaN(r.SpeedupVsTorch) ? null : r.SpeedupVsTorch >= Factor,
        GoalKind.AtMostCopy => double.IsNaN(r.TimesCopy) ? null : r.TimesCopy <= Factor,
        _ => r.LossGenAllocatedBytes is null ? null : r.LossGenAllocatedBytes == 0,
    };

    /// <summary>The slowest LossGen time, in ms, that meets a timing goal (NaN for the allocation goal or a missing column).</summary>
    public double LimitMs(RowResult r) => Kind switch
    {
        GoalKind.FasterThanTorch => r.TorchMs / Factor,
        GoalKind.AtMostCopy => r.CopyMs * Factor,
        _ => double.NaN,
    };
}

/// <summary>One row of the table: its inputs' size, the medians of its columns and its goals.</summary>
internal sealed class RowResult(string id, string label, RowKind kind, int n, int c, string lossGenVariant)
{
    public string Id { get; } = id;
    public string Label { get; } = label;
    public RowKind Kind { get; } = kind;
    public int N { get; } = n;
    public int C { get; } = c;
    /// <summary>Which generated loss the LossGen column ran (e.g. "Classes = 4").</summary>
    public string LossGenVariant { get; } = lossGenVariant;
    public double CopyMs { get; set; } = double.NaN;
    public double TorchMs { get; set; } = double.NaN;
    public double ComposedMs { get; set; } = double.NaN;
    public double LossGenMs { get; set; } = double.NaN;
    public long? LossGenAllocatedBytes { get; set; }
    public int Rounds { get; set; }
    public List<Goal> Goals { get; } = [];
    public string? Note { get; set; }
    /// <summary>The check against libtorch: "ok", "MISMATCH (...)" or "not run".</summary>
    public string Check { get; set; } = "not run";

    /// <summary>How many times faster LossGen is than libtorch (libtorch time / LossGen time).</summary>
    public double SpeedupVsTorch => TorchMs / LossGenMs;
    /// <summary>LossGen's time in units of the time to copy x.</summary>
    public double TimesCopy => LossGenMs / CopyMs;

    public static Goal FasterThanTorch(double factor) => new(GoalKind.FasterThanTorch, factor);
    public static Goal AtMostCopy(double factor) => new(GoalKind.AtMostCopy, factor);
    public static Goal NoAllocation() => new(GoalKind.NoAllocation);
}

/// <summary>The rows of the speed goals (docs/performance.md), in table order.</summary>
internal static class RowCatalog
{
    public sealed record Spec(string Id, string Label, RowKind Kind, int N, int C, Goal[] Goals);

    public static readonly Spec[] All =
    [
        new("65536x4", "65536 × 4", RowKind.ClassIndices, 65536, 4, [RowResult.FasterThanTorch(15), RowResult.NoAllocation()]),
        new("65536x10", "65536 × 10", RowKind.ClassIndices, 65536, 10, [RowResult.FasterThanTorch(15), RowResult.NoAllocation()]),
        new("4096x1000", "4096 × 1000", RowKind.ClassIndices, 4096, 1000, [RowResult.FasterThanTorch(3), RowResult.AtMostCopy(1.5), RowResult.NoAllocation()]),
        new("2048x32000", "2048 × 32000", RowKind.ClassIndices, 2048, 32000, [RowResult.FasterThanTorch(10), RowResult.AtMostCopy(1.5), RowResult.NoAllocation()]),
        new("soft4096x1000", "soft labels 4096 × 1000", RowKind.SoftLabels, 4096, 1000, [RowResult.AtMostCopy(2), RowResult.NoAllocation()]),
        new("train", "training step", RowKind.TrainingStep, TrainingStep.Batch, TrainingStep.Classes, []),
    ];
}

/// <summary>The LossGen kernels the rows call: class-index cross entropy picks the <c>Classes</c>-specialised loss for 4 and 10.</summary>
internal static class LossGenKernels
{
    public static string VariantFor(int c) => c is 4 or 10 ? $"Classes = {c}" : "Classes = 0 (read at run time)";

    public static float CrossEntropy(int n, int c, float[] x, int[] t, float[] dx)
    {
        var xs = new ReadOnlyTensorSpan<float>(x.AsSpan(0, n * c), [n, c]);
        var ts = new ReadOnlyTensorSpan<int>(t.AsSpan(0, n), [n]);
        var dxs = new TensorSpan<float>(dx.AsSpan(0, n * c), [n, c]);
        return c switch
        {
            4 => CrossEntropyC4.ForwardBackward(xs, ts, dxs),
            10 => CrossEntropyC10.ForwardBackward(xs, ts, dxs),
            _ => LossGen.Bench.CrossEntropy.ForwardBackward(xs, ts, dxs),
        };
    }

    public static float SoftCrossEntropy(int n, int c, float[] x, float[] y, float[] dx) =>
        LossGen.Bench.SoftCrossEntropy.ForwardBackward(
            new ReadOnlyTensorSpan<float>(x.AsSpan(0, n * c), [n, c]),
            new ReadOnlyTensorSpan<float>(y.AsSpan(0, n * c), [n, c]),
            new TensorSpan<float>(dx.AsSpan(0, n * c), [n, c]));
}

/// <summary>
/// Cross entropy written as a user would with <see cref="TensorPrimitives"/>, row by row: max, subtract, exp
/// (TensorPrimitives.Exp; not TensorPrimitives.SoftMax, which does not subtract the max and overflows to NaN for
/// logits of 89 and above), sum, log, then the gradient in place. Mean over rows; one thread.
/// </summary>
internal static class Composition
{
    public static float CrossEntropy(int n, int c, float[] x, int[] t, float[] dx)
    {
        float invN = 1f / n;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var row = new ReadOnlySpan<float>(x, i * c, c);
            var g = new Span<float>(dx, i * c, c);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, g);
            TensorPrimitives.Exp(g, g);
            float sum = TensorPrimitives.Sum<float>(g);
            int target = t[i];
            total += max + MathF.Log(sum) - row[target];
            TensorPrimitives.Multiply(g, invN / sum, g);
            g[target] -= invN;
        }
        return (float)(total / n);
    }

    /// <summary>Soft labels: loss_i = sum(y)·lse - y·x, gradient (softmax(x)·sum(y) - y) / N.</summary>
    public static float SoftCrossEntropy(int n, int c, float[] x, float[] y, float[] dx)
    {
        float invN = 1f / n;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var row = new ReadOnlySpan<float>(x, i * c, c);
            var yr = new ReadOnlySpan<float>(y, i * c, c);
            var g = new Span<float>(dx, i * c, c);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, g);
            TensorPrimitives.Exp(g, g);
            float sum = TensorPrimitives.Sum<float>(g);
            float sumY = TensorPrimitives.Sum(yr);
            total += sumY * (max + MathF.Log(sum)) - TensorPrimitives.Dot(yr, row);
            TensorPrimitives.Multiply(g, sumY * invN / sum, g);
            TensorPrimitives.MultiplyAdd(yr, -invN, g, g);
        }
        return (float)(total / n);
    }
}
