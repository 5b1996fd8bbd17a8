using System;
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using LossGen.Internal;

namespace LossGen;

/// <summary>
/// A matrix product in BLAS's row-major <c>gemm</c> form: <c>c = alpha * op(a) @ op(b) + beta * c</c>, with
/// <c>op(a)</c> <c>[m, k]</c> (<paramref name="transA"/>: <c>a</c> holds it transposed, <c>[k, m]</c>), <c>op(b)</c>
/// <c>[k, n]</c>, <c>c</c> <c>[m, n]</c>, and <c>lda</c>, <c>ldb</c>, <c>ldc</c> the row strides of the three as stored.
/// <c>cblas_sgemm(CblasRowMajor, ...)</c> of MKL or OpenBLAS has this shape; so has <see cref="FusedLinear.ManagedGemm{T}"/>.
/// </summary>
public delegate void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc);

/// <summary>
/// The loss of one chunk of logits <c>[tokens, V]</c> against its class indices, summed, writing the gradient (in place:
/// <paramref name="dx"/> is <paramref name="x"/>'s memory): a generated <c>ForwardBackward</c> of a loss declared with
/// <c>Reduction = Reduction.Sum</c>.
/// </summary>
public delegate T ChunkLoss<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, TensorSpan<T> dx, T dloss);

/// <summary>
/// A linear layer and a LossGen loss over class indices fused, on spans: <c>loss(h @ W^T + b, t)</c> and its gradients
/// to <c>h</c>, <c>W</c> and <c>b</c>, holding no more than one chunk of logits <c>[chunk, V]</c> (rented from
/// <see cref="ArrayPool{T}.Shared"/>). The matrix products come from a <see cref="Gemm{T}"/> the caller passes (a BLAS
/// binding's <c>sgemm</c>, libtorch's <c>mm</c>), or by default <see cref="ManagedGemm{T}"/>. See docs/dsl.md,
/// "Fused linear + loss on spans"; <c>LinearLoss</c> in LossGen.TorchSharp does the same with libtorch's products.
/// </summary>
public static class FusedLinear
{
    /// <summary>
    /// The loss (mean over the counted tokens, or sum) and, into <paramref name="dHidden"/>, <paramref name="dWeight"/>
    /// and <paramref name="dBias"/> (overwritten), its gradients times <paramref name="dloss"/>.
    /// </summary>
    /// <param name="hidden">[N, H], dense rows.</param>
    /// <param name="weight">[V, H], dense rows (an <c>nn.Linear(H, V)</c>'s weight).</param>
    /// <param name="bias">[V], or empty for none.</param>
    /// <param name="target">[N] class indices; <paramref name="ignoreIndex"/> is not counted.</param>
    /// <param name="dHidden">Receives dL/dh ([N, H], dense rows), or empty: not wanted.</param>
    /// <param name="dWeight">Receives dL/dW ([V, H], dense rows), or empty: not wanted.</param>
    /// <param name="dBias">Receives dL/db ([V]), or empty: not wanted.</param>
    /// <param name="sumLoss">The loss of one chunk, summed (a generated <c>ForwardBackward</c> with <c>Reduction.Sum</c>, declaring the same <c>IgnoreIndex</c>).</param>
    /// <param name="dloss">The upstream gradient of the loss.</param>
    /// <param name="ignoreIndex">Targets equal to it are not counted by the mean.</param>
    /// <param name="reduction">Mean (over the counted tokens) or Sum.</param>
    /// <param name="chunk">Tokens per chunk; 0: about 8 million logits and at least 128 tokens.</param>
    /// <param name="gemm">The matrix products; null: <see cref="ManagedGemm{T}"/>.</param>
    /// <exception cref="ArgumentException">A shape does not fit, or a tensor's rows are not dense.</exception>
    public static T ForwardBackward<T>(
        ReadOnlyTensorSpan<T> hidden, ReadOnlyTensorSpan<T> weight, ReadOnlyTensorSpan<T> bias, ReadOnlyTensorSpan<long> target,
        TensorSpan<T> dHidden, TensorSpan<T> dWeight, TensorSpan<T> dBias, ChunkLoss<T> sumLoss, T dloss,
        long ignoreIndex = -100, Reduction reduction = Reduction.Mean, int chunk = 0, Gemm<T>? gemm = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(sumLoss);
        if (reduction is not (Reduction.Mean or Reduction.Sum))
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Expected Reduction.Mean or Reduction.Sum.");
        if (chunk < 0)
            throw new ArgumentOutOfRangeException(nameof(chunk), chunk, "Expected a chunk of 1 or more tokens, or 0 to choose it.");
        ReadOnlySpan<T> h = Rows(hidden, 2, "hidden", out int tokens, out int features);
        ReadOnlySpan<T> w = Rows(weight, 2, "weight", out int vocabulary, out int weightFeatures);
        if (weightFeatures != features)
            throw new ArgumentException($"Expected weight [V, {features}] (hidden's last axis), got {Check.Format(weight.Lengths)}.", nameof(weight));
        ReadOnlySpan<T> b = bias.IsEmpty ? default : Rows(bias, 1, "bias", out int biasLength, out _);
        if (!bias.IsEmpty && b.Length != vocabulary)
            throw new ArgumentException($"Expected bias [{vocabulary}] (weight's first axis), got {Check.Format(bias.Lengths)}.", nameof(bias));
        Check.SameShape(target.Lengths, [(nint)tokens], "target", "hidden's shape without its last axis");
        if (!target.IsDense)
            throw new ArgumentException($"Expected target with dense memory, got strides {Check.Format(target.Strides)}.", nameof(target));
        Span<T> dh = Output(dHidden, hidden, "dHidden");
        Span<T> dw = Output(dWeight, weight, "dWeight");
        Span<T> db = Output(dBias, bias.IsEmpty ? weight.Lengths[..1] : bias.Lengths, "dBias");
        ReadOnlySpan<long> t = MemoryMarshal.CreateReadOnlySpan(in target.GetPinnableReference(), tokens);

        // Every target is checked before anything is written (the loss's kernel would see a bad one only in its chunk).
        nint bad = Check.DenseTargets(ref MemoryMarshal.GetReference(t), tokens, vocabulary, ignoreIndex, true, out nint counted);
        if (bad >= 0)
            throw Check.TargetOutOfRange(nameof(target), target.Lengths, bad, t[(int)bad], vocabulary, $" and is not the ignore index {ignoreIndex}");
        double count = reduction == Reduction.Sum ? 1 : counted;

        if (tokens == 0)
        {
            dw.Clear();
            db.Clear();
            return reduction == Reduction.Sum ? T.Zero : T.NaN;
        }

        gemm ??= ManagedGemm;
        int rows = Math.Max(1, Math.Min(tokens, chunk > 0 ? chunk : (int)Math.Min(int.MaxValue, Math.Max(128, (1L << 23) / Math.Max(1, vocabulary)) / 32 * 32)));
        T scale = count == 0 ? T.Zero : dloss / T.CreateTruncating(count);
        T[] rented = ArrayPool<T>.Shared.Rent(checked(rows * vocabulary));
        try
        {
            double total = 0;
            for (int start = 0; start < tokens; start += rows)
            {
                int n = Math.Min(rows, tokens - start);
                Span<T> logits = rented.AsSpan(0, n * vocabulary);
                ReadOnlySpan<T> hc = h.Slice(start * features, n * features);
                for (int r = 0; r < n && !b.IsEmpty; r++)
                    b.CopyTo(logits.Slice(r * vocabulary, vocabulary));
                gemm(false, true, n, vocabulary, features, T.One, hc, features, w, features, b.IsEmpty ? T.Zero : T.One, logits, vocabulary);
                var x = new TensorSpan<T>(logits, [n, vocabulary], default);
                total += double.CreateTruncating(sumLoss(x, new ReadOnlyTensorSpan<long>(t.Slice(start, n), [n], default), x, scale));
                if (!dh.IsEmpty)
                    gemm(false, false, n, features, vocabulary, T.One, logits, vocabulary, w, features, T.Zero, dh.Slice(start * features, n * features), features);
                if (!dw.IsEmpty)
                    gemm(true, false, vocabulary, features, n, T.One, logits, vocabulary, hc, features, start == 0 ? T.Zero : T.One, dw, features);
                for (int r = 0; r < n && !db.IsEmpty; r++)
                {
                    if (start == 0 && r == 0)
                        logits.Slice(0, vocabulary).CopyTo(db);
                    else
                        TensorPrimitives.Add(db, logits.Slice(r * vocabulary, vocabulary), db);
                }
            }

            // The loss values were summed with dloss / count as the upstream gradient; the loss is total / count (NaN
            // for a mean over no counted token, as PyTorch gives, with zero gradients).
            return T.CreateTruncating(total / count);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The default products: each output row made by <see cref="TensorPrimitives"/> (dot products of rows for
    /// <c>a @ b^T</c>, scaled row sums for the others), vectorised but not blocked for the caches. It is the fallback for
    /// a process without a BLAS; pass a BLAS's <c>gemm</c> for speed (docs/dsl.md, "Fused linear + loss on spans",
    /// measures both).
    /// </summary>
    public static void ManagedGemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (transA && transB)
            throw new NotSupportedException("ManagedGemm: a transposed a with a transposed b is not used by FusedLinear.");
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            if (beta == T.Zero)
                row.Clear();
            else if (beta != T.One)
                TensorPrimitives.Multiply(row, beta, row);
        }

        // Blocks of output rows share each row of b while it is in the cache.
        const int Block = 8;
        for (int i0 = 0; i0 < m; i0 += Block)
        {
            int rows = Math.Min(Block, m - i0);
            if (transB)
            {
                // c[i, j] += alpha * dot(a row i, b row j)
                for (int j = 0; j < n; j++)
                {
                    ReadOnlySpan<T> bj = b.Slice(j * ldb, k);
                    for (int i = i0; i < i0 + rows; i++)
                        c[i * ldc + j] += alpha * TensorPrimitives.Dot(a.Slice(i * lda, k), bj);
                }

                continue;
            }

            // c[i, :] += alpha * sum over p of op(a)[i, p] * b row p
            for (int p = 0; p < k; p++)
            {
                ReadOnlySpan<T> bp = b.Slice(p * ldb, n);
                for (int i = i0; i < i0 + rows; i++)
                {
                    T coefficient = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                    if (coefficient != T.Zero)
                    {
                        Span<T> row = c.Slice(i * ldc, n);
                        TensorPrimitives.MultiplyAdd(bp, coefficient, row, row);
                    }
                }
            }
        }
    }

    private static ReadOnlySpan<T> Rows<T>(ReadOnlyTensorSpan<T> tensor, int rank, string name, out int rows, out int columns)
    {
        if (tensor.Rank != rank)
            throw new ArgumentException($"Expected {name} of rank {rank}, got {Check.Format(tensor.Lengths)}.", name);
        if (!tensor.IsDense)
            throw new ArgumentException($"Expected {name} with dense rows, got strides {Check.Format(tensor.Strides)}.", name);
        rows = checked((int)tensor.Lengths[0]);
        columns = rank == 2 ? checked((int)tensor.Lengths[1]) : 1;
        return MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), checked((int)tensor.FlattenedLength));
    }

    private static Span<T> Output<T>(TensorSpan<T> output, scoped ReadOnlySpan<nint> expected, string name)
    {
        if (output.IsEmpty)
            return default;
        Check.SameShape(output.Lengths, expected, name, Check.Format(expected));
        if (!output.IsDense)
            throw new ArgumentException($"Expected {name} with dense rows, got strides {Check.Format(output.Strides)}.", name);
        return MemoryMarshal.CreateSpan(ref output.GetPinnableReference(), checked((int)output.FlattenedLength));
    }

    private static Span<T> Output<T>(TensorSpan<T> output, ReadOnlyTensorSpan<T> like, string name) => Output(output, like.Lengths, name);
}
