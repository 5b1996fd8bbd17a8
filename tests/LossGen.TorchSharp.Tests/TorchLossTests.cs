using System;
using System.Collections.Generic;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using TReduction = TorchSharp.torch.nn.Reduction;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// The loss and x.grad through the bridge equal TorchSharp's own functional losses on the same tensors, for float32
/// and float64, in both gradient modes, with an upstream gradient of 1 and of 2.5.
/// </summary>
public class TorchLossTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        foreach (var mode in new[] { TorchLossMode.Fused, TorchLossMode.Deferred })
        foreach (var upstream in new[] { 1.0, 2.5 })
            yield return [dtype, mode, upstream];
    }

    public static IEnumerable<object[]> DTypes() => [[ScalarType.Float32], [ScalarType.Float64]];

    private static TorchLossFunction Pick(ScalarType dtype, TorchLossMode mode,
        Func<TorchLossFunction> f32Fused, Func<TorchLossFunction> f32Deferred,
        Func<TorchLossFunction> f64Fused, Func<TorchLossFunction> f64Deferred)
    {
        var loss = (dtype, mode) switch
        {
            (ScalarType.Float32, TorchLossMode.Fused) => f32Fused(),
            (ScalarType.Float32, _) => f32Deferred(),
            (_, TorchLossMode.Fused) => f64Fused(),
            _ => f64Deferred(),
        };
        Assert.Equal(mode, loss.Mode);
        Assert.Equal(dtype, loss.DType);
        return loss;
    }

    /// <summary>
    /// Runs the bridge and the reference on fresh leaves made from <paramref name="x0"/>, backpropagates
    /// <c>upstream * loss</c> through both, and compares the losses and x.grad.
    /// </summary>
    internal static void Compare(Tensor x0, Func<Tensor, Tensor> bridge, Func<Tensor, Tensor> reference, double upstream = 1.0)
    {
        using var scope = NewDisposeScope();
        var xa = x0.detach().clone().requires_grad_(true);
        var xb = x0.detach().clone().requires_grad_(true);

        var la = bridge(xa);
        var lb = reference(xb);
        TorchAssert.Close(lb, la, "loss");
        Assert.True(la.requires_grad);

        (upstream == 1.0 ? la : la * upstream).sum().backward();
        (upstream == 1.0 ? lb : lb * upstream).sum().backward();
        TorchAssert.Close(xb.grad!, xa.grad!, "x.grad");
    }

    private static Tensor ClassTargets(long n, long classes, params long[] ignored)
    {
        var t = randint(0, classes, [n], dtype: ScalarType.Int64);
        foreach (long i in ignored)
            t[i] = tensor(-100L);
        return t;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Cross_entropy_with_class_indices_matches_F_cross_entropy(ScalarType dtype, TorchLossMode mode, double upstream)
    {
        manual_seed(1);
        var ce = Pick(dtype, mode,
            () => TorchLoss.ClassIndices<float>(CrossEntropy.ForwardBackward, CrossEntropy.Forward),
            () => TorchLoss.ClassIndices<float>(CrossEntropy.Forward, CrossEntropy.Backward),
            () => TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward),
            () => TorchLoss.ClassIndices<double>(CrossEntropy.Forward, CrossEntropy.Backward));
        Assert.Equal("CrossEntropy", ce.Name);
        using var x = randn([7, 5], dtype: dtype) * 3;
        using var t = ClassTargets(7, 5, ignored: 2);
        Compare(x, xa => ce.Apply(xa, t), xb => F.cross_entropy(xb, t), upstream);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Cross_entropy_over_positions_and_with_sum_reduction(ScalarType dtype)
    {
        manual_seed(2);
        // [N, C, d]: the classes on axis 1, one loss per (n, d).
        using var x = randn([3, 4, 5], dtype: dtype);
        using var t = randint(0, 4, [3, 5], dtype: ScalarType.Int64);
        var mean = dtype == ScalarType.Float32
            ? TorchLoss.ClassIndices<float>(CrossEntropy.ForwardBackward)
            : TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward);
        Compare(x, xa => mean.Apply(xa, t), xb => F.cross_entropy(xb, t));

        var sum = dtype == ScalarType.Float32
            ? TorchLoss.ClassIndices<float>(CrossEntropySum.Forward, CrossEntropySum.Backward)
            : TorchLoss.ClassIndices<double>(CrossEntropySum.Forward, CrossEntropySum.Backward);
        Compare(x, xa => sum.Apply(xa, t), xb => F.cross_entropy(xb, t, reduction: TReduction.Sum), 0.5);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Weighted_cross_entropy_matches_F_cross_entropy_with_weight(ScalarType dtype, TorchLossMode mode, double upstream)
    {
        manual_seed(3);
        var wce = Pick(dtype, mode,
            () => TorchLoss.WeightedClassIndices<float>(WeightedCrossEntropy.ForwardBackward),
            () => TorchLoss.WeightedClassIndices<float>(WeightedCrossEntropy.Forward, WeightedCrossEntropy.Backward),
            () => TorchLoss.WeightedClassIndices<double>(WeightedCrossEntropy.ForwardBackward, WeightedCrossEntropy.Forward),
            () => TorchLoss.WeightedClassIndices<double>(WeightedCrossEntropy.Forward, WeightedCrossEntropy.Backward));
        using var x = randn([6, 4], dtype: dtype);
        using var t = ClassTargets(6, 4, ignored: 0);
        using var w = rand([4], dtype: dtype) + 0.5;
        Compare(x, xa => wce.Apply(xa, t, w), xb => F.cross_entropy(xb, t, weight: w), upstream);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Soft_label_cross_entropy_matches_F_cross_entropy_with_probabilities(ScalarType dtype, TorchLossMode mode, double upstream)
    {
        manual_seed(4);
        var soft = Pick(dtype, mode,
            () => TorchLoss.Dense<float>(SoftCrossEntropy.ForwardBackward),
            () => TorchLoss.Dense<float>(SoftCrossEntropy.Forward, SoftCrossEntropy.Backward),
            () => TorchLoss.Dense<double>(SoftCrossEntropy.ForwardBackward),
            () => TorchLoss.Dense<double>(SoftCrossEntropy.Forward, SoftCrossEntropy.Backward));
        using var x = randn([5, 6], dtype: dtype) * 2;
        using var y = F.softmax(randn([5, 6], dtype: dtype), 1);
        Compare(x, xa => soft.Apply(xa, y), xb => F.cross_entropy(xb, y), upstream);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Bce_with_logits_matches_F_binary_cross_entropy_with_logits(ScalarType dtype, TorchLossMode mode, double upstream)
    {
        manual_seed(5);
        var bce = Pick(dtype, mode,
            () => TorchLoss.Dense<float>(BceWithLogits.ForwardBackward),
            () => TorchLoss.Dense<float>(BceWithLogits.Forward, BceWithLogits.Backward),
            () => TorchLoss.Dense<double>(BceWithLogits.ForwardBackward),
            () => TorchLoss.Dense<double>(BceWithLogits.Forward, BceWithLogits.Backward));
        using var x = randn([4, 3, 2], dtype: dtype) * 4;
        using var y = rand([4, 3, 2], dtype: dtype);
        Compare(x, xa => bce.Apply(xa, y), xb => F.binary_cross_entropy_with_logits(xb, y), upstream);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Bce_with_logits_and_pos_weight_matches_TorchSharp(ScalarType dtype)
    {
        manual_seed(6);
        var bce = dtype == ScalarType.Float32
            ? TorchLoss.WeightedDense<float>(BceWithLogitsPosWeight.ForwardBackward)
            : TorchLoss.WeightedDense<double>(BceWithLogitsPosWeight.Forward, BceWithLogitsPosWeight.Backward);
        using var x = randn([5, 3], dtype: dtype) * 2;
        using var y = randint(0, 2, [5, 3], dtype: dtype);
        using var pw = rand([3], dtype: dtype) * 3;
        Compare(x, xa => bce.Apply(xa, y, pw), xb => F.binary_cross_entropy_with_logits(xb, y, pos_weights: pw), 1.5);
    }

    /// <summary>The focal loss written as TorchSharp operations, differentiated by TorchSharp's autograd.</summary>
    internal static Tensor TorchFocal(Tensor x, Tensor t, double gamma)
    {
        var ce = F.cross_entropy(x, t, reduction: TReduction.None);
        return (pow(1 - exp(-ce), gamma) * ce).mean();
    }

    [Theory, MemberData(nameof(Cases))]
    public void Custom_dsl_focal_loss_matches_the_same_loss_written_in_TorchSharp(ScalarType dtype, TorchLossMode mode, double upstream)
    {
        manual_seed(7);
        var focal = Pick(dtype, mode,
            // Focal has a hyper-parameter (gamma, default 2): its methods are wrapped in lambdas.
            () => TorchLoss.ClassIndices<float>((x, t, dx, g) => Focal.ForwardBackward(x, t, dx, g), name: "Focal"),
            () => TorchLoss.ClassIndices<float>((x, t) => Focal.Forward(x, t), (x, t, dx, g) => Focal.Backward(x, t, dx, g)),
            () => TorchLoss.ClassIndices<double>((x, t, dx, g) => Focal.ForwardBackward(x, t, dx, g), (x, t) => Focal.Forward(x, t)),
            () => TorchLoss.ClassIndices<double>((x, t) => Focal.Forward(x, t), (x, t, dx, g) => Focal.Backward(x, t, dx, g)));
        using var x = randn([8, 5], dtype: dtype) * 2;
        using var t = randint(0, 5, [8], dtype: ScalarType.Int64);
        Compare(x, xa => focal.Apply(xa, t), xb => TorchFocal(xb, t, 2.0), upstream);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Hyper_parameters_go_through_a_lambda(ScalarType dtype)
    {
        manual_seed(8);
        var focal = dtype == ScalarType.Float32
            ? TorchLoss.ClassIndices<float>((x, t, dx, g) => Focal.ForwardBackward(x, t, dx, g, gamma: 0.5f), name: "Focal(0.5)")
            : TorchLoss.ClassIndices<double>((x, t) => Focal.Forward(x, t, gamma: 0.5), (x, t, dx, g) => Focal.Backward(x, t, dx, g, gamma: 0.5));
        using var x = randn([6, 3], dtype: dtype);
        using var t = randint(0, 3, [6], dtype: ScalarType.Int64);
        Compare(x, xa => focal.Apply(xa, t), xb => TorchFocal(xb, t, 0.5), 2.0);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Unreduced_cross_entropy_returns_one_value_per_position(ScalarType dtype)
    {
        manual_seed(9);
        var ce = dtype == ScalarType.Float32
            ? TorchLoss.ClassIndices<float>(CrossEntropyNone.Forward, CrossEntropyNone.Backward, LossValues.PerPosition)
            : TorchLoss.ClassIndices<double>(CrossEntropyNone.Forward, CrossEntropyNone.Backward, LossValues.PerPosition);
        Assert.Equal(TorchLossMode.Unreduced, ce.Mode);
        using var x = randn([6, 4, 2], dtype: dtype);
        using var t = randint(0, 4, [6, 2], dtype: ScalarType.Int64);
        t[1, 1] = tensor(-100L);
        using var g = randn([6, 2], dtype: dtype);
        // Per-value upstream gradients (a weighted sum), and the stride-0 upstream gradient of .mean().
        Compare(x, xa => ce.Apply(xa, t) * g, xb => F.cross_entropy(xb, t, reduction: TReduction.None) * g);
        Compare(x, xa => ce.Apply(xa, t).mean(), xb => F.cross_entropy(xb, t, reduction: TReduction.None).mean());
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Unreduced_mse_returns_one_value_per_element(ScalarType dtype)
    {
        manual_seed(10);
        var mse = dtype == ScalarType.Float32
            ? TorchLoss.Dense<float>(MseNone.Forward, MseNone.Backward, LossValues.PerElement)
            : TorchLoss.Dense<double>(MseNone.Forward, MseNone.Backward, LossValues.PerElement);
        using var x = randn([3, 5], dtype: dtype);
        using var y = randn([3, 5], dtype: dtype);
        using var g = randn([3, 5], dtype: dtype);
        Compare(x, xa => mse.Apply(xa, y) * g, xb => F.mse_loss(xb, y, TReduction.None) * g);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Unreduced_soft_label_cross_entropy_drops_the_class_axis(ScalarType dtype)
    {
        manual_seed(15);
        using var g = randn([2, 3], dtype: dtype);
        // Classes on axis 1: x [N, C, L] -> loss [N, L].
        var axis1 = dtype == ScalarType.Float32
            ? TorchLoss.Dense<float>(SoftCrossEntropyNone.Forward, SoftCrossEntropyNone.Backward, LossValues.PerPosition)
            : TorchLoss.Dense<double>(SoftCrossEntropyNone.Forward, SoftCrossEntropyNone.Backward, LossValues.PerPosition);
        using var x = randn([2, 4, 3], dtype: dtype);
        using var y = F.softmax(randn([2, 4, 3], dtype: dtype), 1);
        Compare(x, xa => axis1.Apply(xa, y) * g, xb => F.cross_entropy(xb, y, reduction: TReduction.None) * g);

        // Channels-last (ClassAxis = -1): x [N, L, C] -> loss [N, L].
        var last = dtype == ScalarType.Float32
            ? TorchLoss.Dense<float>(SoftCrossEntropyNoneLast.Forward, SoftCrossEntropyNoneLast.Backward, LossValues.PerPosition, classAxis: -1)
            : TorchLoss.Dense<double>(SoftCrossEntropyNoneLast.Forward, SoftCrossEntropyNoneLast.Backward, LossValues.PerPosition, classAxis: -1);
        using var xl = randn([2, 3, 4], dtype: dtype);
        using var yl = F.softmax(randn([2, 3, 4], dtype: dtype), -1);
        Compare(xl, xa => last.Apply(xa, yl) * g,
            xb => F.cross_entropy(xb.permute(0, 2, 1), yl.permute(0, 2, 1), reduction: TReduction.None) * g);
    }

    [Fact]
    public void Unbatched_inputs_follow_PyTorch()
    {
        manual_seed(16);
        using var x = randn([5], dtype: ScalarType.Float64);
        using var t = tensor(3L);   // 0-dim class index
        var reduced = TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward);
        Compare(x, xa => reduced.Apply(xa, t), xb => F.cross_entropy(xb, t));
        var none = TorchLoss.ClassIndices<double>(CrossEntropyNone.Forward, CrossEntropyNone.Backward, LossValues.PerPosition);
        Compare(x, xa => none.Apply(xa, t), xb => F.cross_entropy(xb, t, reduction: TReduction.None), 3.0);
    }

    [Fact]
    public void The_comparison_catches_a_wrong_gradient()
    {
        // Guards the harness: a loss with the same value but another gradient must fail Compare.
        manual_seed(17);
        var ce = TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward);
        using var x = randn([4, 3], dtype: ScalarType.Float64);
        using var t = randint(0, 3, [4], dtype: ScalarType.Int64);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            Compare(x, xa => ce.Apply(xa, t), xb => F.cross_entropy(xb, t) + 1e-3 * (xb - xb.detach()).sum()));
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Strided_inputs_are_read_in_place(ScalarType dtype)
    {
        manual_seed(11);
        var ce = dtype == ScalarType.Float32
            ? TorchLoss.ClassIndices<float>(CrossEntropy.ForwardBackward)
            : TorchLoss.ClassIndices<double>(CrossEntropy.Forward, CrossEntropy.Backward);
        using var t = randint(0, 5, [4], dtype: ScalarType.Int64);
        // A transposed view, a column slice, and an expanded (stride 0) row.
        using var columns = randn([5, 4], dtype: dtype);
        Compare(columns, c => ce.Apply(c.t(), t), c => F.cross_entropy(c.t(), t));
        using var wide = randn([4, 9], dtype: dtype);
        Compare(wide, w => ce.Apply(w[.., 2..7], t), w => F.cross_entropy(w[.., 2..7], t));
        using var row = randn([1, 5], dtype: dtype);
        Compare(row, r => ce.Apply(r.expand(4, 5), t), r => F.cross_entropy(r.expand(4, 5), t));
        // Non-contiguous targets: every other element of a longer vector.
        using var t2 = randint(0, 5, [8], dtype: ScalarType.Int64);
        using var x = randn([4, 5], dtype: dtype);
        Compare(x, xa => ce.Apply(xa, t2[TensorIndex.Slice(0, 8, 2)]), xb => F.cross_entropy(xb, t2[TensorIndex.Slice(0, 8, 2)]));
    }

    [Fact]
    public void Int32_class_indices_are_converted()
    {
        manual_seed(12);
        var ce = TorchLoss.ClassIndices<float>(CrossEntropy.Forward, CrossEntropy.Backward);
        using var x = randn([5, 3]);
        using var t = randint(0, 3, [5], dtype: ScalarType.Int64);
        using var t32 = t.to_type(ScalarType.Int32);
        Compare(x, xa => ce.Apply(xa, t32), xb => F.cross_entropy(xb, t));
    }

    [Fact]
    public void Without_gradients_the_loss_is_a_plain_tensor()
    {
        manual_seed(13);
        using var x = randn([4, 3], dtype: ScalarType.Float64);
        using var t = randint(0, 3, [4], dtype: ScalarType.Int64);
        using var expected = F.cross_entropy(x, t);
        foreach (var ce in new[]
        {
            TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward),
            TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward, CrossEntropy.Forward),
            TorchLoss.ClassIndices<double>(CrossEntropy.Forward, CrossEntropy.Backward),
        })
        {
            using var plain = ce.Apply(x, t);   // x does not require grad
            Assert.False(plain.requires_grad);
            TorchAssert.Close(expected, plain, "loss");
            using var xg = x.clone().requires_grad_(true);
            using (no_grad())
            {
                using var inNoGrad = ce.Apply(xg, t);
                Assert.False(inNoGrad.requires_grad);
                TorchAssert.Close(expected, inNoGrad, "loss");
            }
        }
    }

    [Theory]
    [InlineData(TorchLossMode.Fused)]
    [InlineData(TorchLossMode.Deferred)]
    [InlineData(TorchLossMode.Unreduced)]
    public void Retained_graph_backpropagates_twice(TorchLossMode mode)
    {
        manual_seed(14);
        var ce = mode switch
        {
            TorchLossMode.Fused => TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward),
            TorchLossMode.Deferred => TorchLoss.ClassIndices<double>(CrossEntropy.Forward, CrossEntropy.Backward),
            _ => TorchLoss.ClassIndices<double>(CrossEntropyNone.Forward, CrossEntropyNone.Backward, LossValues.PerPosition),
        };
        using var x = randn([3, 4], dtype: ScalarType.Float64).requires_grad_(true);
        using var t = randint(0, 4, [3], dtype: ScalarType.Int64);
        using var loss = mode == TorchLossMode.Unreduced ? ce.Apply(x, t).mean() : ce.Apply(x, t) * 0.5;
        loss.backward(null, retain_graph: true);
        using var once = x.grad!.clone();
        loss.backward();
        TorchAssert.Close(once * 2, x.grad!, "x.grad after two backward passes");
    }

    [Fact]
    public void Bad_inputs_get_clear_errors()
    {
        var ce = TorchLoss.ClassIndices<float>(CrossEntropy.ForwardBackward);
        using var x64 = randn([2, 3], dtype: ScalarType.Float64);
        using var x = randn([2, 3]).requires_grad_(true);
        using var t = tensor(new long[] { 0, 2 });

        var dtype = Assert.Throws<ArgumentException>(() => ce.Apply(x64, t));
        Assert.Contains("Float64", dtype.Message);
        Assert.Contains("Float32", dtype.Message);

        using var tf = tensor(new float[] { 0, 2 });
        var targetType = Assert.Throws<ArgumentException>(() => ce.Apply(x, tf));
        Assert.Contains("target", targetType.Message);

        var arity = Assert.Throws<ArgumentException>(() => ce.Apply(x, t, t));
        Assert.Contains("no weights", arity.Message);

        // The kernel's own checks come through: a class index out of range, a wrong shape.
        using var outOfRange = tensor(new long[] { 0, 3 });
        Assert.Throws<ArgumentOutOfRangeException>(() => ce.Apply(x, outOfRange));
        using var tooMany = tensor(new long[] { 0, 1, 2 });
        var shape = Assert.Throws<ArgumentException>(() => ce.Apply(x, tooMany));
        Assert.Contains("t", shape.ParamName ?? shape.Message);

        using var sparse = randn([2, 3]).to_sparse();
        Assert.Throws<NotSupportedException>(() => ce.Apply(sparse, t));

        var soft = TorchLoss.Dense<float>(SoftCrossEntropy.ForwardBackward);
        using var y = zeros(2, 3).requires_grad_(true);
        var targetGrad = Assert.Throws<NotSupportedException>(() => soft.Apply(x, y));
        Assert.Contains("detach", targetGrad.Message);
    }

    [Fact]
    public void Spans_point_at_the_tensor_memory()
    {
        using var x = randn([3, 4]);
        var view = Internal.TensorViews.Read<float>(x, out var keep);
        Assert.Null(keep);
        unsafe
        {
            fixed (float* p = &view.GetPinnableReference())
            fixed (byte* q = x.bytes)
                Assert.True(p == q);
        }
        using var columns = x.t();
        var strided = Internal.TensorViews.Read<float>(columns, out var keep2);
        using (keep2)
        {
            Assert.Equal([4, 3], strided.Lengths.ToArray());
            Assert.Equal(x[1, 2].item<float>(), strided[2, 1]);
            unsafe
            {
                fixed (float* p = &strided.GetPinnableReference())
                fixed (byte* q = x.bytes)
                    Assert.True(p == q);
            }
        }
    }
}
