using System;
using System.Numerics.Tensors;
using LossGen.Internal;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Tensor = TorchSharp.torch.Tensor;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// The span API's fused linear + loss (docs/dsl.md, "Fused linear + loss on spans") against TorchSharp's unfused
/// F.cross_entropy(F.linear(h, W, b), t) and its autograd gradients, computed here: the default managed products and
/// libtorch's mm passed as the products, chunks of one token, a few tokens and the chosen size, ignored targets, Sum,
/// float64 and float32; bad arguments rejected before anything is written.
/// </summary>
public class FusedLinearSpanTests
{
    private const double Upstream = 1.5;

    /// <summary>libtorch's mm as a <see cref="Gemm{T}"/>: the products a caller with a BLAS would pass.</summary>
    private static unsafe void TorchGemm(bool transA, bool transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        using var scope = NewDisposeScope();
        Tensor At(ReadOnlySpan<double> span, int rows, int columns) => tensor(span.Slice(0, rows * columns).ToArray(), [rows, columns]);
        var op_a = transA ? At(a, k, m).t() : At(a, m, k);
        var op_b = transB ? At(b, n, k).t() : At(b, k, n);
        var existing = At(c, m, n);
        var result = (alpha * op_a.mm(op_b) + beta * existing).contiguous();
        result.data<double>().ToArray().CopyTo(c);
    }

    private static (Tensor H, Tensor W, Tensor B, Tensor T) Case(long tokens, long features, long vocabulary, ScalarType dtype)
    {
        var h = randn([tokens, features], dtype: dtype);
        var w = randn([vocabulary, features], dtype: dtype) * 0.3;
        var b = randn([vocabulary], dtype: dtype) * 0.1;
        var t = randint(0, vocabulary, [tokens], dtype: ScalarType.Int64);
        t = where(rand(tokens) < 0.2, tensor(-100L), t);
        return (h, w, b, t);
    }

    private static void CheckAgainstTorch<T>(Tensor h, Tensor w, Tensor? b, Tensor t, ChunkLoss<T> loss, Reduction reduction, int chunk, Gemm<T>? gemm, double? rel = null)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var (h1, w1, b1) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true), b?.detach().clone().requires_grad_(true));
        var expected = F.cross_entropy(F.linear(h1, w1, b1), t, reduction: reduction == Reduction.Sum ? nn.Reduction.Sum : nn.Reduction.Mean);
        (expected * Upstream).backward();

        var (dh, dw, db) = (full_like(h, 9.0), full_like(w, 9.0), b is null ? null : full_like(b, 9.0));
        T value = FusedLinear.ForwardBackward(
            TensorViews.Read<T>(h, out _), TensorViews.Read<T>(w, out _), b is null ? default : TensorViews.Read<T>(b, out _), TensorViews.Read<long>(t, out _),
            TensorViews.Write<T>(dh), TensorViews.Write<T>(dw), db is null ? default : TensorViews.Write<T>(db), loss, T.CreateTruncating(Upstream),
            reduction: reduction, chunk: chunk, gemm: gemm);
        TorchAssert.Close(expected.detach(), tensor(double.CreateTruncating(value), h.dtype), "loss", rel);
        TorchAssert.Close(h1.grad!, dh, "dh", rel);
        TorchAssert.Close(w1.grad!, dw, "dW", rel);
        if (b is not null)
        {
            TorchAssert.Close(b1!.grad!, db!, "db", rel);
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(7, true)]
    public void The_fused_loss_on_spans_matches_the_unfused_loss_in_float64(int chunk, bool torchProducts)
    {
        manual_seed(91);
        var (h, w, b, t) = Case(45, 12, 37, ScalarType.Float64);
        Gemm<double>? gemm = torchProducts ? TorchGemm : null;
        CheckAgainstTorch<double>(h, w, b, t, CrossEntropySum.ForwardBackward, Reduction.Mean, chunk, gemm);
        CheckAgainstTorch<double>(h, w, null, t, CrossEntropySum.ForwardBackward, Reduction.Sum, chunk, gemm);
    }

    [Fact]
    public void The_fused_loss_on_spans_matches_the_unfused_loss_in_float32()
    {
        manual_seed(92);
        var (h, w, b, t) = Case(64, 32, 300, ScalarType.Float32);
        // The products' sums are taken in another order than libtorch's: float32 rounding, within 1e-4.
        CheckAgainstTorch<float>(h, w, b, t, CrossEntropySum.ForwardBackward, Reduction.Mean, 16, null, rel: 1e-4);
    }

    [Fact]
    public void Bad_arguments_are_rejected_before_anything_is_written()
    {
        var (h, w, b, t) = Case(6, 4, 5, ScalarType.Float64);
        var dh = full_like(h, 9.0);
        float Run(Tensor target, Tensor weight) => (float)FusedLinear.ForwardBackward(
            TensorViews.Read<double>(h, out _), TensorViews.Read<double>(weight, out _), default, TensorViews.Read<long>(target, out _),
            TensorViews.Write<double>(dh), default, default, CrossEntropySum.ForwardBackward, 1.0);

        var badTarget = t.clone();
        badTarget[5] = tensor(5L);   // the last chunk's last token: out of [0, 5)
        Assert.Equal("target", Assert.Throws<ArgumentOutOfRangeException>(() => Run(badTarget, w)).ParamName);
        Assert.True(dh.eq(9.0).all().item<bool>(), "dh was written before the target was checked");
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => Run(t, randn([5, 3], dtype: ScalarType.Float64))).ParamName);
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => Run(t, randn([4, 5], dtype: ScalarType.Float64).t())).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => Run(zeros([7], ScalarType.Int64), w)).ParamName);
    }
}
