using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LossGen.Internal;

/// <summary>
/// PyTorch's <c>torch.nn.functional.multilabel_margin_loss</c>: for each row of scores x and its target classes (the
/// entries of y before the first -1), <c>sum over targets j and non-targets i of max(0, 1 - (x[j] - x[i])) / C</c>. A
/// kernel of its own because the loss compares every pair of classes, which the expression language (one class axis
/// at a time) does not say. The gradient is PyTorch's: a pair adds to it where its margin term is above 0. See
/// docs/losses.md, <c>[MultiLabelMarginLoss]</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MultiLabelMargin
{
    /// <summary>Validates every argument, then computes the loss and, when asked, the gradient; returns the reduced loss.</summary>
    /// <param name="x">Scores: [N, C], or [C] for one sample.</param>
    /// <param name="y">Target classes, x's shape: each row's classes, then -1 (the rest of the row is not read).</param>
    /// <param name="loss">Reduction None: receives each row's loss ([N]; [] or [1] for one sample).</param>
    /// <param name="dlossEach">Reduction None with a gradient: each row's upstream gradient.</param>
    /// <param name="dloss">The upstream gradient of the reduced loss.</param>
    /// <param name="grad">Receives dL/dx (x's shape; may be x itself).</param>
    /// <param name="reduction">0 None, 1 Mean (over rows), 2 Sum.</param>
    /// <param name="wantsLoss">Whether the caller wants the loss (Forward, ForwardBackward).</param>
    /// <param name="wantsGradient">Whether the caller wants the gradient (Backward, ForwardBackward).</param>
    /// <param name="names">The generated method's names for x, y, loss, dloss and the gradient.</param>
    public static double Run<T, TIndex>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<TIndex> y, TensorSpan<T> loss, ReadOnlyTensorSpan<T> dlossEach, T dloss,
        TensorSpan<T> grad, int reduction, bool wantsLoss, bool wantsGradient, ReadOnlySpan<string> names)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        string xName = names[0], yName = names[1], lossName = names[2], dlossName = names[3], gradName = names[4];
        ReadOnlySpan<nint> shape = x.Lengths;
        if (shape.Length is not (1 or 2))
        {
            throw new ArgumentException($"Expected {xName} of shape [N, C] (or [C] for one sample), got {Check.Format(shape)}.", xName);
        }

        bool batched = shape.Length == 2;
        nint rows = batched ? shape[0] : 1, classes = shape[^1];
        if (!y.Lengths.SequenceEqual(shape))
        {
            Check.SameShape(y.Lengths, shape, yName, "the shape of " + xName);
        }

        bool perRow = reduction == 0;
        if (wantsLoss && perRow)
        {
            Check.PositionShape(loss.Lengths, shape, shape.Length - 1, lossName, xName);
        }

        if (wantsGradient)
        {
            if (!grad.Lengths.SequenceEqual(shape))
            {
                Check.SameShape(grad.Lengths, shape, gradName, "the shape of " + xName);
            }

            if (perRow)
            {
                Check.PositionShape(dlossEach.Lengths, shape, shape.Length - 1, dlossName, xName);
            }
        }

        ref T xRef = ref Unsafe.AsRef(in x.GetPinnableReference());
        ref TIndex yRef = ref Unsafe.AsRef(in y.GetPinnableReference());
        nint xRow = batched ? x.Strides[0] : 0, xClass = x.Strides[^1], yRow = batched ? y.Strides[0] : 0, yClass = y.Strides[^1];

        // Every target class in range, up to each row's first -1, before anything is written.
        for (nint n = 0; n < rows; n++)
        {
            for (nint k = 0; k < classes; k++)
            {
                long label = long.CreateTruncating(Unsafe.Add(ref yRef, n * yRow + k * yClass));
                if (label == -1)
                {
                    break;
                }

                if (label < 0 || label >= classes)
                {
                    throw new ArgumentOutOfRangeException(yName, label, $"Expected the target classes of {yName} in [0, {classes}) and ended by -1, got {label} at row {n}, entry {k}.");
                }
            }
        }

        ref T lossRef = ref wantsLoss && perRow ? ref loss.GetPinnableReference() : ref Unsafe.NullRef<T>();
        ref T gradRef = ref wantsGradient ? ref grad.GetPinnableReference() : ref Unsafe.NullRef<T>();
        ref T dlossRef = ref wantsGradient && perRow ? ref Unsafe.AsRef(in dlossEach.GetPinnableReference()) : ref Unsafe.NullRef<T>();
        if (wantsGradient)
        {
            Check.NoOverlap(ref gradRef, grad.Lengths, grad.Strides, gradName, ref xRef, x.Lengths, x.Strides, xName, allowSame: true);
            Check.NoOverlap(ref gradRef, grad.Lengths, grad.Strides, gradName, ref yRef, y.Lengths, y.Strides, yName);
        }

        if (wantsLoss && perRow)
        {
            Check.NoOverlap(ref lossRef, loss.Lengths, loss.Strides, lossName, ref xRef, x.Lengths, x.Strides, xName);
            Check.NoOverlap(ref lossRef, loss.Lengths, loss.Strides, lossName, ref yRef, y.Lengths, y.Strides, yName);
            if (wantsGradient)
            {
                Check.NoOverlap(ref gradRef, grad.Lengths, grad.Strides, gradName, ref lossRef, loss.Lengths, loss.Strides, lossName);
            }
        }

        nint lossStride = wantsLoss && perRow && loss.Rank > 0 ? loss.Strides[0] : 0;
        nint dlossStride = wantsGradient && perRow && dlossEach.Rank > 0 ? dlossEach.Strides[0] : 0;
        nint gradRow = wantsGradient && batched ? grad.Strides[0] : 0, gradClass = wantsGradient ? grad.Strides[^1] : 0;

        // Per row: which classes are targets, and the gradient gathered before it is written (dx may be x).
        double[] rented = ArrayPool<double>.Shared.Rent((int)(2 * classes));
        try
        {
            Span<double> isTarget = rented.AsSpan(0, (int)classes);
            Span<double> rowGrad = rented.AsSpan((int)classes, (int)classes);
            double sum = 0;
            for (nint n = 0; n < rows; n++)
            {
                ref T scores = ref Unsafe.Add(ref xRef, n * xRow);
                ref TIndex targets = ref Unsafe.Add(ref yRef, n * yRow);
                isTarget.Clear();
                rowGrad.Clear();
                nint count = 0;
                for (; count < classes; count++)
                {
                    long label = long.CreateTruncating(Unsafe.Add(ref targets, count * yClass));
                    if (label == -1)
                    {
                        break;
                    }

                    isTarget[(int)label] = 1;
                }

                double rowLoss = 0;
                double upstream = !wantsGradient ? 0 : perRow ? double.CreateTruncating(Unsafe.Add(ref dlossRef, n * dlossStride)) : double.CreateTruncating(dloss) / (reduction == 1 ? rows : 1);
                double step = upstream / classes;
                for (nint k = 0; k < count; k++)
                {
                    int j = (int)long.CreateTruncating(Unsafe.Add(ref targets, k * yClass));
                    double xj = double.CreateTruncating(Unsafe.Add(ref scores, j * xClass));
                    for (int i = 0; i < classes; i++)
                    {
                        if (isTarget[i] != 0)
                        {
                            continue;
                        }

                        double z = 1 - xj + double.CreateTruncating(Unsafe.Add(ref scores, i * xClass));
                        if (z > 0)
                        {
                            rowLoss += z;
                            rowGrad[i] += step;
                            rowGrad[j] -= step;
                        }
                    }
                }

                rowLoss /= classes;
                if (wantsLoss && perRow)
                {
                    Unsafe.Add(ref lossRef, n * lossStride) = T.CreateTruncating(rowLoss);
                }

                sum += rowLoss;
                if (wantsGradient)
                {
                    ref T gradAt = ref Unsafe.Add(ref gradRef, n * gradRow);
                    for (nint c = 0; c < classes; c++)
                    {
                        Unsafe.Add(ref gradAt, c * gradClass) = T.CreateTruncating(rowGrad[(int)c]);
                    }
                }
            }

            return perRow ? 0 : reduction == 1 ? sum / rows : sum;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }
}
