using System;
using LossGen.Internal;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Tensor = TorchSharp.torch.Tensor;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// Half precision (docs/dsl.md and docs/torchsharp.md, "Half precision") against TorchSharp's own losses in the same
/// dtype, computed here: the generated Half overloads of the span API, the bridge's float16 and bfloat16 inputs, and the
/// fused linear loss in both. A unit is 2^-10 relative for float16, 2^-7 for bfloat16. LossGen rounds once, from
/// float32: against the float64 loss and gradient it is within 1 unit of each entry (and the smallest float16 step
/// below float16's normal range). TorchSharp's losses also round what they keep between forward and backward
/// (log_softmax in the input's dtype) and take the gradient as a difference of rounded terms, so against TorchSharp
/// the tolerance is 4 units of the largest entry.
/// </summary>
public class HalfPrecisionTests
{
    private static double Unit(ScalarType dtype) => dtype == ScalarType.Float16 ? 1.0 / 1024 : 1.0 / 128;

    /// <summary>Within 4 units of the largest entry of <paramref name="expected"/> (TorchSharp's result).</summary>
    private static void Close(Tensor expected, Tensor actual, string what)
    {
        double largest = expected.abs().max().to_type(ScalarType.Float64).item<double>();
        TorchAssert.Close(expected.to_type(ScalarType.Float64), actual.to_type(ScalarType.Float64), what, 0, 4 * Unit(actual.dtype) * largest);
    }

    /// <summary>Within 1 unit of each entry of the float64 <paramref name="exact"/> (6e-8, float16's smallest step, below its normal range).</summary>
    private static void Rounded(Tensor exact, Tensor actual, string what) =>
        TorchAssert.Close(exact, actual.to_type(ScalarType.Float64), what, Unit(actual.dtype), actual.dtype == ScalarType.Float16 ? 6e-8 : 1e-38);

    /// <summary>The float64 loss and gradient of <paramref name="x"/> (the truth the half-precision results round).</summary>
    private static (Tensor Loss, Tensor Grad) Exact(Tensor x, Func<Tensor, Tensor> loss)
    {
        var x64 = x.detach().to_type(ScalarType.Float64).requires_grad_(true);
        var value = loss(x64);
        value.backward();
        return (value.detach(), x64.grad!);
    }

    private static Tensor Targets(long rows, long classes)
    {
        var t = randint(0, classes, [rows], dtype: ScalarType.Int64);
        return where(rand(rows) < 0.2, tensor(-100L), t);
    }

    [Fact]
    public void Span_overloads_in_half_match_TorchSharp_cross_entropy_in_float16_for_dense_and_strided_logits()
    {
        manual_seed(81);
        var t = Targets(33, 50);
        var dense = (randn(33, 50) * 4).to_type(ScalarType.Float16);
        var strided = (randn(50, 33) * 4).to_type(ScalarType.Float16).t();   // a transposed view: read through its strides
        foreach (Tensor x in new[] { dense, strided })
        {
            var reference = x.detach().clone().requires_grad_(true);
            var expected = F.cross_entropy(reference, t);
            expected.backward();

            var dx = empty(x.shape, ScalarType.Float16);
            float loss = CrossEntropy.ForwardBackward(TensorViews.Read<Half>(x, out _), TensorViews.Read<long>(t, out _), TensorViews.Write<Half>(dx));
            Close(expected.detach(), tensor(loss).to_type(ScalarType.Float16), "loss");
            Close(reference.grad!, dx, "dx");
            (Tensor exactLoss, Tensor exactGrad) = Exact(x, xx => F.cross_entropy(xx, t));
            TorchAssert.Close(exactLoss, tensor((double)loss), "loss against float64", 1e-5, 1e-6);
            Rounded(exactGrad, dx, "dx against float64");
            Assert.Equal(loss, CrossEntropy.Forward(TensorViews.Read<Half>(x, out _), TensorViews.Read<long>(t, out _)));
        }
    }

    [Fact]
    public void Span_overloads_in_half_match_TorchSharp_soft_label_cross_entropy_in_float16()
    {
        manual_seed(82);
        var x = (randn(21, 37) * 3).to_type(ScalarType.Float16);
        var y = softmax(randn(21, 37), 1).to_type(ScalarType.Float16);
        var reference = x.detach().clone().requires_grad_(true);
        var expected = F.cross_entropy(reference, y);
        expected.backward();

        var dx = empty(x.shape, ScalarType.Float16);
        float loss = SoftCrossEntropy.ForwardBackward(TensorViews.Read<Half>(x, out _), TensorViews.Read<Half>(y, out _), TensorViews.Write<Half>(dx));
        Close(expected.detach(), tensor(loss).to_type(ScalarType.Float16), "loss");
        Close(reference.grad!, dx, "dx");
        (Tensor exactLoss, Tensor exactGrad) = Exact(x, xx => F.cross_entropy(xx, y.to_type(ScalarType.Float64)));
        TorchAssert.Close(exactLoss, tensor((double)loss), "loss against float64", 1e-5, 1e-6);
        Rounded(exactGrad, dx, "dx against float64");
    }

    [Fact]
    public void Half_overloads_validate_before_writing()
    {
        var x = zeros(4, 5, dtype: ScalarType.Float16);
        var dx = full(4, 6, 7.0, dtype: ScalarType.Float16);
        var t = zeros(4, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => CrossEntropy.ForwardBackward(TensorViews.Read<Half>(x, out _), TensorViews.Read<long>(t, out _), TensorViews.Write<Half>(dx)));
        Assert.Equal("dx", error.ParamName);
        Assert.True(dx.eq(7.0).all().item<bool>(), "dx was written before the check");
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void The_bridge_takes_half_precision_tensors_and_returns_the_gradient_in_their_dtype(ScalarType dtype)
    {
        manual_seed(83);
        var t = Targets(40, 30);
        var x = (randn(40, 30) * 4).to_type(dtype);
        var y = softmax(randn(40, 30), 1).to_type(dtype);
        foreach ((TorchLossFunction loss, Func<Tensor, Tensor> reference, Tensor target) in new (TorchLossFunction, Func<Tensor, Tensor>, Tensor)[]
        {
            (TorchLoss.ClassIndices<float>(CrossEntropy.ForwardBackward), xx => F.cross_entropy(xx, t), t),
            (TorchLoss.Dense<float>(SoftCrossEntropy.ForwardBackward), xx => F.cross_entropy(xx, y), y),
        })
        {
            var x1 = x.detach().clone().requires_grad_(true);
            var expected = reference(x1);
            (expected * 2.5).backward();
            var x2 = x.detach().clone().requires_grad_(true);
            var actual = loss.Apply(x2, target);
            (actual * 2.5).backward();
            Assert.Equal(dtype, actual.dtype);
            Assert.Equal(dtype, x2.grad!.dtype);
            Close(expected.detach(), actual.detach(), $"{loss.Name} loss");
            Close(x1.grad!, x2.grad!, $"{loss.Name} dx");
            (Tensor _, Tensor exactGrad) = Exact(x, xx => 2.5 * (target.dtype == ScalarType.Int64 ? F.cross_entropy(xx, t) : F.cross_entropy(xx, y.to_type(ScalarType.Float64))));
            Rounded(exactGrad, x2.grad!, $"{loss.Name} dx against float64");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void The_fused_linear_loss_in_half_precision_matches_the_unfused_loss_in_the_same_dtype(ScalarType dtype)
    {
        manual_seed(84);
        var h = randn(70, 24).to_type(dtype);
        var w = (randn(60, 24) * 0.3).to_type(dtype);
        var b = (randn(60) * 0.1).to_type(dtype);
        var t = Targets(70, 60);
        var fused = LinearLoss.ClassIndices<float>(CrossEntropySum.ForwardBackward, chunk: 16);

        var (h1, w1, b1) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true), b.detach().clone().requires_grad_(true));
        var expected = F.cross_entropy(F.linear(h1, w1, b1), t);
        expected.backward();
        var (h2, w2, b2) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true), b.detach().clone().requires_grad_(true));
        var actual = fused.Apply(h2, w2, b2, t);
        actual.backward();

        // The loss is float32 (summed in float32, not rounded); the gradients arrive in the inputs' dtype.
        Assert.Equal(ScalarType.Float32, actual.dtype);
        Assert.Equal(dtype, h2.grad!.dtype);
        Assert.Equal(dtype, w2.grad!.dtype);
        TorchAssert.Close(expected.detach().to_type(ScalarType.Float64), actual.detach().to_type(ScalarType.Float64), "loss", 4 * Unit(dtype));
        Close(h1.grad!, h2.grad!, "dh");
        Close(w1.grad!, w2.grad!, "dW");
        Close(b1.grad!, b2.grad!, "db");
    }
}
