using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LossGen.Internal;

/// <summary>
/// The connectionist temporal classification loss (PyTorch's <c>torch.nn.functional.ctc_loss</c>), the one loss of the
/// catalogue with a kernel of its own: it is a dynamic program over the time axis, which the expression language does
/// not say. Exact in log space (every sum is a log-sum-exp, in double whatever the element type is), so it does
/// not underflow at any length. The gradient with respect to the log-probabilities is PyTorch's:
/// <c>exp(lp) - exp(log(sum of alpha * beta over the label's states) + nll - lp)</c> for t below the input length, 0
/// after it. See docs/losses.md, <c>[CtcLoss]</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Ctc
{
    /// <summary>
    /// Validates every argument, then computes the loss and, when <paramref name="grad"/> is not empty, the gradient.
    /// Returns the reduced loss (0 for <paramref name="reduction"/> None, whose losses go to <paramref name="loss"/>).
    /// </summary>
    /// <param name="logProbs">[T, N, C], or [T, C] for one unbatched sequence.</param>
    /// <param name="targets">[N, S] padded, or the N target sequences concatenated ([S] unbatched).</param>
    /// <param name="inputLengths">[N] ([] or [1] unbatched), each in [0, T].</param>
    /// <param name="targetLengths">[N] ([] or [1] unbatched), each in [0, S] (padded targets) and summing to S (concatenated).</param>
    /// <param name="loss">Reduction None: receives each sequence's loss ([N]); otherwise empty.</param>
    /// <param name="dlossEach">Reduction None with a gradient: the upstream gradient of each loss ([N]).</param>
    /// <param name="dloss">The upstream gradient of the reduced loss.</param>
    /// <param name="grad">Receives dL/dlogProbs (logProbs' shape; may be logProbs itself); empty for the loss alone.</param>
    /// <param name="blank">The blank label, in [0, C).</param>
    /// <param name="zeroInfinity">Infinite losses (no alignment of the target fits the input) and their gradients become 0.</param>
    /// <param name="reduction">0 None, 1 Mean (each loss divided by its target length, then the mean), 2 Sum.</param>
    /// <param name="wantsLoss">Whether the caller wants the loss (Forward, ForwardBackward).</param>
    /// <param name="wantsGradient">Whether the caller wants the gradient (Backward, ForwardBackward).</param>
    /// <param name="names">The generated method's names for logProbs, targets, inputLengths, targetLengths, loss, dloss and the gradient.</param>
    public static double Run<T, TTarget, TLength>(
        ReadOnlyTensorSpan<T> logProbs, ReadOnlyTensorSpan<TTarget> targets, ReadOnlyTensorSpan<TLength> inputLengths, ReadOnlyTensorSpan<TLength> targetLengths,
        TensorSpan<T> loss, ReadOnlyTensorSpan<T> dlossEach, T dloss, TensorSpan<T> grad, int blank, bool zeroInfinity, int reduction, bool wantsLoss, bool wantsGradient,
        ReadOnlySpan<string> names)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTarget : unmanaged, IBinaryInteger<TTarget>
        where TLength : unmanaged, IBinaryInteger<TLength>
    {
        string lpName = names[0], targetName = names[1], inputName = names[2], targetLengthName = names[3], lossName = names[4], dlossName = names[5], gradName = names[6];

        // The shapes.
        ReadOnlySpan<nint> shape = logProbs.Lengths;
        bool batched = shape.Length == 3;
        if (shape.Length is not (2 or 3))
        {
            throw new ArgumentException($"Expected {lpName} of shape [T, N, C] (or [T, C] for one sequence), got {Check.Format(shape)}.", lpName);
        }

        nint time = shape[0], batch = batched ? shape[1] : 1, classes = shape[^1];
        nint lpTime = logProbs.Strides[0], lpBatch = batched ? logProbs.Strides[1] : 0, lpClass = logProbs.Strides[^1];
        if ((uint)blank >= (ulong)classes)
        {
            throw new ArgumentOutOfRangeException(nameof(blank), blank, $"Expected the blank label in [0, {classes}) (the classes of {lpName} {Check.Format(shape)}), got {blank}.");
        }

        CheckLengthsShape(inputLengths.Lengths, batched, batch, inputName);
        CheckLengthsShape(targetLengths.Lengths, batched, batch, targetLengthName);
        ReadOnlySpan<nint> targetShape = targets.Lengths;
        bool padded = batched && targetShape.Length == 2;
        if (padded ? targetShape[0] != batch : targetShape.Length != 1)
        {
            throw new ArgumentException(batched
                ? $"Expected {targetName} of shape [{batch}, S] (padded) or [sum of {targetLengthName}] (concatenated), got {Check.Format(targetShape)}."
                : $"Expected {targetName} of shape [S] for one sequence, got {Check.Format(targetShape)}.", targetName);
        }

        if (wantsLoss && reduction == 0)
        {
            CheckLengthsShape(loss.Lengths, batched, batch, lossName);
        }

        if (wantsGradient)
        {
            if (!grad.Lengths.SequenceEqual(shape))
            {
                Check.SameShape(grad.Lengths, shape, gradName, "the shape of " + lpName);
            }
            if (reduction == 0)
            {
                CheckLengthsShape(dlossEach.Lengths, batched, batch, dlossName);
            }
        }

        ref T lp = ref Unsafe.AsRef(in logProbs.GetPinnableReference());
        ref TTarget tg = ref Unsafe.AsRef(in targets.GetPinnableReference());
        ref TLength il = ref Unsafe.AsRef(in inputLengths.GetPinnableReference());
        ref TLength tl = ref Unsafe.AsRef(in targetLengths.GetPinnableReference());
        nint ilStride = inputLengths.Rank == 0 ? 0 : inputLengths.Strides[0], tlStride = targetLengths.Rank == 0 ? 0 : targetLengths.Strides[0];
        nint tgRow = padded ? targets.Strides[0] : 0, tgStep = targets.Strides[^1];

        // The lengths and labels, and the largest sequence, before anything is written.
        nint targetWidth = padded ? targetShape[1] : targetShape[0];
        long total = 0, longestTarget = 0, longestInput = 0;
        for (nint n = 0; n < batch; n++)
        {
            long input = long.CreateTruncating(Unsafe.Add(ref il, n * ilStride));
            long length = long.CreateTruncating(Unsafe.Add(ref tl, n * tlStride));
            if (input < 0 || input > time)
            {
                throw new ArgumentOutOfRangeException(inputName, input, $"Expected {inputName}[{n}] in [0, {time}] (the time axis of {lpName} {Check.Format(shape)}), got {input}.");
            }

            if (length < 0 || (padded && length > targetWidth))
            {
                throw new ArgumentOutOfRangeException(targetLengthName, length, $"Expected {targetLengthName}[{n}] in [0, {(padded ? targetWidth.ToString() : "the length of " + targetName)}], got {length}.");
            }

            nint start = padded ? n * tgRow : (nint)total;
            total += length;
            if (!padded && total > targetWidth)
            {
                throw new ArgumentException($"Expected the {targetLengthName} to add up to the length of {targetName} ({targetWidth}), got more ({total} by sequence {n}).", targetLengthName);
            }

            for (nint k = 0; k < (nint)length; k++)
            {
                long label = long.CreateTruncating(Unsafe.Add(ref tg, start * (padded ? 1 : tgStep) + k * tgStep));
                if (label < 0 || label >= classes)
                {
                    throw new ArgumentOutOfRangeException(targetName, label, $"Expected every label of {targetName} in [0, {classes}), got {label} at sequence {n}, position {k}.");
                }
            }

            longestTarget = Math.Max(longestTarget, length);
            longestInput = Math.Max(longestInput, input);
        }

        if (!padded && total != targetWidth)
        {
            throw new ArgumentException($"Expected the {targetLengthName} to add up to the length of {targetName} ({targetWidth}), got {total}.", targetLengthName);
        }

        ref T lossRef = ref wantsLoss && reduction == 0 ? ref loss.GetPinnableReference() : ref Unsafe.NullRef<T>();
        ref T gradRef = ref wantsGradient ? ref grad.GetPinnableReference() : ref Unsafe.NullRef<T>();
        if (wantsGradient)
        {
            Check.NoOverlap(ref gradRef, grad.Lengths, grad.Strides, gradName, ref lp, logProbs.Lengths, logProbs.Strides, lpName, allowSame: true);
            Check.NoOverlap(ref gradRef, grad.Lengths, grad.Strides, gradName, ref tg, targets.Lengths, targets.Strides, targetName);
            Check.NoOverlap(ref gradRef, grad.Lengths, grad.Strides, gradName, ref il, inputLengths.Lengths, inputLengths.Strides, inputName);
            Check.NoOverlap(ref gradRef, grad.Lengths, grad.Strides, gradName, ref tl, targetLengths.Lengths, targetLengths.Strides, targetLengthName);
        }

        if (wantsLoss && reduction == 0)
        {
            Check.NoOverlap(ref lossRef, loss.Lengths, loss.Strides, lossName, ref lp, logProbs.Lengths, logProbs.Strides, lpName);
            if (wantsGradient)
            {
                Check.NoOverlap(ref gradRef, grad.Lengths, grad.Strides, gradName, ref lossRef, loss.Lengths, loss.Strides, lossName);
            }
        }

        nint lossStride = wantsLoss && reduction == 0 && loss.Rank > 0 ? loss.Strides[0] : 0;
        ref T dlossRef = ref wantsGradient && reduction == 0 ? ref Unsafe.AsRef(in dlossEach.GetPinnableReference()) : ref Unsafe.NullRef<T>();
        nint dlossStride = wantsGradient && reduction == 0 && dlossEach.Rank > 0 ? dlossEach.Strides[0] : 0;
        nint gradTime = wantsGradient ? grad.Strides[0] : 0, gradBatch = wantsGradient && batched ? grad.Strides[1] : 0, gradClass = wantsGradient ? grad.Strides[^1] : 0;

        // One workspace for every sequence: alpha for every time step of the longest, two rows of beta, the labels of the
        // extended target, and one log-sum per class. Pooled: no allocation per call once the pool holds it.
        nint states = 2 * (nint)longestTarget + 1;
        nint size = Math.Max(1, (nint)longestInput) * states + 2 * states + classes;
        double[] rented = ArrayPool<double>.Shared.Rent((int)Math.Min(size, int.MaxValue));
        int[] labels = ArrayPool<int>.Shared.Rent((int)states);
        try
        {
            Span<double> work = rented.AsSpan(0, (int)size);
            double sum = 0;
            nint offset = 0;
            for (nint n = 0; n < batch; n++)
            {
                int input = int.CreateTruncating(Unsafe.Add(ref il, n * ilStride));
                int length = int.CreateTruncating(Unsafe.Add(ref tl, n * tlStride));
                nint start = padded ? n * tgRow : offset * tgStep;
                offset += length;
                int extended = 2 * length + 1;
                for (int s = 0; s < extended; s++)
                {
                    labels[s] = (s & 1) == 0 ? blank : int.CreateTruncating(Unsafe.Add(ref tg, start + (s >> 1) * tgStep));
                }

                ref T row = ref Unsafe.Add(ref lp, n * lpBatch);
                Span<double> alpha = work.Slice(0, Math.Max(1, input) * extended);
                double nll = Forward(ref row, lpTime, lpClass, labels.AsSpan(0, extended), input, alpha);
                bool infinite = double.IsPositiveInfinity(nll);
                if (zeroInfinity && infinite)
                {
                    nll = 0;
                }

                double weight = reduction == 1 ? 1.0 / Math.Max(1, length) / batch : 1.0;
                if (wantsLoss && reduction == 0)
                {
                    Unsafe.Add(ref lossRef, n * lossStride) = T.CreateTruncating(nll);
                }

                sum += nll * weight;
                if (!wantsGradient)
                {
                    continue;
                }

                double upstream = reduction == 0 ? double.CreateTruncating(Unsafe.Add(ref dlossRef, n * dlossStride)) : double.CreateTruncating(dloss) * weight;
                ref T gradRow = ref Unsafe.Add(ref gradRef, n * gradBatch);
                if (zeroInfinity && infinite)
                {
                    Zero(ref gradRow, gradTime, gradClass, 0, (int)time, classes);
                    continue;
                }

                Backward(ref row, lpTime, lpClass, labels.AsSpan(0, extended), input, alpha, work.Slice(alpha.Length, 2 * extended),
                    work.Slice(alpha.Length + 2 * extended, (int)classes), nll, upstream, ref gradRow, gradTime, gradClass, classes);
                Zero(ref gradRow, gradTime, gradClass, input, (int)time, classes);
            }

            return reduction == 0 ? 0 : sum;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
            ArrayPool<int>.Shared.Return(labels);
        }
    }

    /// <summary>
    /// The forward variables alpha[t, s] (log of the probability of the prefixes that end in state s at time t, emission
    /// at t included) for t below <paramref name="input"/>; returns the negative log-likelihood.
    /// </summary>
    private static double Forward<T>(ref T lp, nint lpTime, nint lpClass, ReadOnlySpan<int> labels, int input, Span<double> alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int extended = labels.Length;
        if (input == 0)
        {
            // No time step: only the empty target has an alignment (probability 1).
            return extended == 1 ? 0 : double.PositiveInfinity;
        }

        for (int s = 0; s < extended; s++)
        {
            alpha[s] = s < 2 ? Lp(ref lp, 0, labels[s], lpTime, lpClass) : double.NegativeInfinity;
        }

        for (int t = 1; t < input; t++)
        {
            Span<double> previous = alpha.Slice((t - 1) * extended, extended);
            Span<double> current = alpha.Slice(t * extended, extended);
            for (int s = 0; s < extended; s++)
            {
                double a = previous[s];
                if (s > 0)
                {
                    a = LogAdd(a, previous[s - 1]);
                }

                if (s > 1 && labels[s] != labels[s - 2])
                {
                    a = LogAdd(a, previous[s - 2]);
                }

                current[s] = double.IsNegativeInfinity(a) ? a : a + Lp(ref lp, t, labels[s], lpTime, lpClass);
            }
        }

        Span<double> last = alpha.Slice((input - 1) * extended, extended);
        double likelihood = extended > 1 ? LogAdd(last[extended - 1], last[extended - 2]) : last[0];
        return -likelihood;
    }

    /// <summary>
    /// The backward variables, two time steps at a time, and the gradient of each time step as soon as its beta is known:
    /// the gradient at t reads only the log-probabilities at t, so it may overwrite them (in place).
    /// </summary>
    private static void Backward<T>(ref T lp, nint lpTime, nint lpClass, ReadOnlySpan<int> labels, int input, ReadOnlySpan<double> alpha,
        Span<double> betas, Span<double> perClass, double nll, double upstream, ref T grad, nint gradTime, nint gradClass, nint classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int extended = labels.Length;
        Span<double> next = betas.Slice(0, extended);
        Span<double> current = betas.Slice(extended, extended);
        for (int t = input - 1; t >= 0; t--)
        {
            for (int s = 0; s < extended; s++)
            {
                double b;
                if (t == input - 1)
                {
                    b = s >= extended - 2 ? 0 : double.NegativeInfinity;
                }
                else
                {
                    b = next[s];
                    if (s < extended - 1)
                    {
                        b = LogAdd(b, next[s + 1]);
                    }

                    if (s < extended - 2 && labels[s] != labels[s + 2])
                    {
                        b = LogAdd(b, next[s + 2]);
                    }
                }

                current[s] = double.IsNegativeInfinity(b) ? b : b + Lp(ref lp, t, labels[s], lpTime, lpClass);
            }

            // log of the sum of alpha * beta over the states of each class (both include the emission at t).
            perClass.Fill(double.NegativeInfinity);
            ReadOnlySpan<double> alphaAt = alpha.Slice(t * extended, extended);
            for (int s = 0; s < extended; s++)
            {
                perClass[labels[s]] = LogAdd(perClass[labels[s]], alphaAt[s] + current[s]);
            }

            ref T gradAt = ref Unsafe.Add(ref grad, t * gradTime);
            for (nint c = 0; c < classes; c++)
            {
                double value = Lp(ref lp, t, (int)c, lpTime, lpClass);
                Unsafe.Add(ref gradAt, c * gradClass) = T.CreateTruncating(upstream * (Math.Exp(value) - Math.Exp(perClass[(int)c] + nll - value)));
            }

            Span<double> swap = next;
            next = current;
            current = swap;
        }
    }

    private static void Zero<T>(ref T grad, nint gradTime, nint gradClass, int from, int to, nint classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int t = from; t < to; t++)
        {
            ref T at = ref Unsafe.Add(ref grad, t * gradTime);
            for (nint c = 0; c < classes; c++)
            {
                Unsafe.Add(ref at, c * gradClass) = T.Zero;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Lp<T>(ref T lp, int t, int c, nint lpTime, nint lpClass)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        double.CreateTruncating(Unsafe.Add(ref lp, t * lpTime + c * lpClass));

    /// <summary>log(exp(a) + exp(b)), exact for -inf.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        double max = Math.Max(a, b);
        return max + Math.Log(1 + Math.Exp(-Math.Abs(a - b)));
    }

    private static void CheckLengthsShape(ReadOnlySpan<nint> lengths, bool batched, nint batch, string name)
    {
        bool fits = batched ? lengths.Length == 1 && lengths[0] == batch : lengths.Length == 0 || (lengths.Length == 1 && lengths[0] == 1);
        if (!fits)
        {
            throw new ArgumentException($"Expected {name} of shape {(batched ? "[" + batch + "]" : "[] or [1]")}, got {Check.Format(lengths)}.", name);
        }
    }
}
