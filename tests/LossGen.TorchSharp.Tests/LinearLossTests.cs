using System;
using System.Collections.Generic;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// LinearLoss (docs/torchsharp.md, "Fused linear + loss") against the unfused F.cross_entropy(F.linear(h, W, b), t), or
/// the same loss composed from TorchSharp ops, computed here: the loss and the gradients of h, W and b (autograd's), for
/// chunks of one token, a few tokens and the chosen size, ignored targets, the causal shift, a formula loss with
/// softcap and z-loss and its z-loss part, class weights, label smoothing, float32 and float64, and bad shapes rejected
/// with a clear exception.
/// </summary>
public class LinearLossTests
{
    private const double Upstream = 2.5;

    private static (Tensor H, Tensor W, Tensor B, Tensor T) Case(long[] hidden, long vocabulary, ScalarType dtype, bool ignoreSome)
    {
        var h = randn(hidden, dtype: dtype);
        var w = randn([vocabulary, hidden[^1]], dtype: dtype) * 0.3;
        var b = randn([vocabulary], dtype: dtype) * 0.1;
        long[] targetShape = hidden[..^1];
        var t = randint(0, vocabulary, targetShape, dtype: ScalarType.Int64);
        if (ignoreSome)
        {
            t = where(rand(targetShape) < 0.2, tensor(-100L), t);
        }

        return (h, w, b, t);
    }

    /// <summary>The fused loss's value and gradients against <paramref name="reference"/>'s, on leaves made here.</summary>
    private static void Compare(LinearLoss fused, Tensor h, Tensor w, Tensor? b, Tensor t, Func<Tensor, Tensor, Tensor?, Tensor> reference, double? rel = null)
    {
        using var scope = NewDisposeScope();
        var (h1, w1, b1) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true), b?.detach().clone().requires_grad_(true));
        var expected = reference(h1, w1, b1);
        (expected * Upstream).backward();
        var (h2, w2, b2) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true), b?.detach().clone().requires_grad_(true));
        var actual = fused.Apply(h2, w2, b2, t);
        (actual * Upstream).backward();
        TorchAssert.Close(expected.detach(), actual.detach(), "loss", rel);
        TorchAssert.Close(h1.grad!, h2.grad!, "dh", rel);
        TorchAssert.Close(w1.grad!, w2.grad!, "dW", rel);
        if (b is not null)
        {
            TorchAssert.Close(b1!.grad!, b2!.grad!, "db", rel);
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(5L)]
    public void Cross_entropy_fused_with_the_linear_layer_matches_the_unfused_loss(long chunk)
    {
        manual_seed(71);
        var (h, w, b, t) = Case([37, 16], 50, ScalarType.Float64, ignoreSome: true);
        var fused = LinearLoss.ClassIndices<double>(CrossEntropySum.ForwardBackward, chunk);
        Compare(fused, h, w, b, t, (hh, ww, bb) => F.cross_entropy(F.linear(hh, ww, bb), t));
        Compare(fused, h, w, null, t, (hh, ww, _) => F.cross_entropy(F.linear(hh, ww), t));
    }

    [Fact]
    public void Cross_entropy_fused_in_float32_matches_the_unfused_loss()
    {
        manual_seed(72);
        var (h, w, b, t) = Case([64, 32], 300, ScalarType.Float32, ignoreSome: false);
        var fused = LinearLoss.ClassIndices<float>(CrossEntropySum.ForwardBackward, chunk: 16);
        // The products' sums are taken in another order than one [64, 300] product: float32 rounding, within 1e-4.
        Compare(fused, h, w, b, t, (hh, ww, bb) => F.cross_entropy(F.linear(hh, ww, bb), t), rel: 1e-4);
    }

    [Fact]
    public void The_causal_shift_predicts_the_next_target_of_each_sequence_without_copying()
    {
        manual_seed(73);
        var (h, w, b, t) = Case([3, 11, 8], 20, ScalarType.Float64, ignoreSome: true);
        var fused = LinearLoss.ClassIndices<double>(CrossEntropySum.ForwardBackward, chunk: 4, shift: true);
        Compare(fused, h, w, b, t, (hh, ww, bb) =>
            F.cross_entropy(F.linear(hh.narrow(1, 0, 10), ww, bb).reshape(-1, 20), t.narrow(1, 1, 10).reshape(-1)));
    }

    [Fact]
    public void A_loss_with_softcap_and_z_loss_fuses_the_same_way_as_its_composition()
    {
        manual_seed(74);
        var (h, w, b, t) = Case([45, 12], 40, ScalarType.Float64, ignoreSome: true);
        w = w * 20;   // logits beyond the cap, so the softcap matters
        var fused = LinearLoss.ClassIndices<double>((x, tt, dx, g) => SoftcapZLoss.ForwardBackward(x, tt, dx, g, cap: 5.0, zscale: 1e-3), chunk: 7);
        Compare(fused, h, w, b, t, (hh, ww, bb) =>
        {
            var z = 5.0 * torch.tanh(F.linear(hh, ww, bb) / 5.0);
            var lse = z.logsumexp(1);
            var counted = t.ne(-100);
            var picked = z.gather(1, where(counted, t, tensor(0L)).unsqueeze(1)).squeeze(1);
            var each = lse - picked + 1e-3 * lse * lse;
            return (each * counted.to_type(ScalarType.Float64)).sum() / counted.sum();
        });
    }

    [Fact]
    public void A_part_reports_the_z_loss_term_beside_the_loss_reduced_the_same_way()
    {
        manual_seed(76);
        var (h, w, b, t) = Case([2, 19, 12], 40, ScalarType.Float64, ignoreSome: true);
        w = w * 20;
        var fused = LinearLoss
            .ClassIndices<double>((x, tt, dx, g) => SoftcapZLoss.ForwardBackward(x, tt, dx, g, cap: 5.0, zscale: 1e-3), chunk: 6, shift: true)
            .WithPart<double>("z_loss", (x, tt) => SoftcapZLossTerm.Forward(x, tt, cap: 5.0, zscale: 1e-3));
        var hl = h.detach().clone().requires_grad_(true);
        LinearLossOutput output = fused.ApplyWithParts(hl, w, b, t);

        // The composition: z-loss over the counted tokens (shifted targets), mean over them.
        using var _ = no_grad();
        var z = 5.0 * torch.tanh(F.linear(h.narrow(1, 0, 18), w, b) / 5.0).reshape(-1, 40);
        var targets = t.narrow(1, 1, 18).reshape(-1);
        var counted = targets.ne(-100);
        var lse = z.logsumexp(1);
        var zloss = (1e-3 * lse * lse * counted.to_type(ScalarType.Float64)).sum() / counted.sum();
        var picked = z.gather(1, where(counted, targets, tensor(0L)).unsqueeze(1)).squeeze(1);
        var loss = ((lse - picked) * counted.to_type(ScalarType.Float64)).sum() / counted.sum() + zloss;
        TorchAssert.Close(zloss, tensor(output.Parts["z_loss"], ScalarType.Float64), "z_loss part");
        TorchAssert.Close(loss, output.Loss.detach(), "loss");
        Assert.Single(output.Parts);
        // Apply alone computes no part; a second part of the same name is refused.
        TorchAssert.Close(loss, fused.Apply(h, w, b, t).detach(), "loss without parts");
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => fused.WithPart<double>("z_loss", (x, tt) => SoftcapZLossTerm.Forward(x, tt))).ParamName);
        Assert.Equal("sumForward", Assert.Throws<ArgumentException>(() => fused.WithPart<float>("f", (x, tt) => 0f)).ParamName);
    }

    [Fact]
    public void Class_weights_and_label_smoothing_fuse_as_cross_entropy_has_them()
    {
        manual_seed(77);
        var (h, w, b, t) = Case([41, 10], 30, ScalarType.Float64, ignoreSome: true);
        var classWeight = rand(30, dtype: ScalarType.Float64) + 0.5;
        var weighted = LinearLoss.WeightedClassIndices<double>(WeightedCrossEntropySum.ForwardBackward, chunk: 6);
        // The mean divides by the sum of the counted targets' weights, as F.cross_entropy(weight=) does.
        CompareWith(h, w, b, (hh, ww, bb) => weighted.Apply(hh, ww, bb, t, classWeight), (hh, ww, bb) => F.cross_entropy(F.linear(hh, ww, bb), t, weight: classWeight));
        var smoothed = LinearLoss.ClassIndices<double>(SmoothedCrossEntropySum.ForwardBackward, chunk: 9);
        Compare(smoothed, h, w, b, t, (hh, ww, bb) => F.cross_entropy(F.linear(hh, ww, bb), t, label_smoothing: 0.1));

        Assert.Equal("classWeight", Assert.Throws<ArgumentException>(() => weighted.Apply(h, w, b, t)).ParamName);
        Assert.Equal("classWeight", Assert.Throws<ArgumentException>(() => smoothed.Apply(h, w, b, t, classWeight)).ParamName);
        Assert.Equal("classWeight", Assert.Throws<ArgumentException>(() => weighted.Apply(h, w, b, t, classWeight.narrow(0, 0, 29))).ParamName);
    }

    /// <summary>Like <see cref="Compare"/>, for a fused call that is not <c>Apply(h, W, b, t)</c>.</summary>
    private static void CompareWith(Tensor h, Tensor w, Tensor b, Func<Tensor, Tensor, Tensor, Tensor> fused, Func<Tensor, Tensor, Tensor, Tensor> reference)
    {
        using var scope = NewDisposeScope();
        var (h1, w1, b1) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true), b.detach().clone().requires_grad_(true));
        (reference(h1, w1, b1) * Upstream).backward();
        var expected = reference(h, w, b);
        var (h2, w2, b2) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true), b.detach().clone().requires_grad_(true));
        var actual = fused(h2, w2, b2);
        (actual * Upstream).backward();
        TorchAssert.Close(expected.detach(), actual.detach(), "loss");
        TorchAssert.Close(h1.grad!, h2.grad!, "dh");
        TorchAssert.Close(w1.grad!, w2.grad!, "dW");
        TorchAssert.Close(b1.grad!, b2.grad!, "db");
    }

    [Fact]
    public void Sum_reduction_and_no_gradient_give_the_summed_loss()
    {
        manual_seed(75);
        var (h, w, b, t) = Case([9, 6], 13, ScalarType.Float64, ignoreSome: false);
        var fused = LinearLoss.ClassIndices<double>(CrossEntropySum.ForwardBackward, reduction: Reduction.Sum);
        Compare(fused, h, w, b, t, (hh, ww, bb) => F.cross_entropy(F.linear(hh, ww, bb), t, reduction: nn.Reduction.Sum));
        using (no_grad())
        {
            TorchAssert.Close(F.cross_entropy(F.linear(h, w, b), t, reduction: nn.Reduction.Sum), fused.Apply(h, w, b, t), "no_grad loss");
        }

        // loss.backward() itself (upstream gradient 1: the gradients are returned as computed).
        var (h1, w1) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true));
        F.cross_entropy(F.linear(h1, w1, b), t, reduction: nn.Reduction.Sum).backward();
        var (h2, w2) = (h.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true));
        fused.Apply(h2, w2, b, t).backward();
        TorchAssert.Close(h1.grad!, h2.grad!, "dh (upstream 1)");
        TorchAssert.Close(w1.grad!, w2.grad!, "dW (upstream 1)");
    }

    [Fact]
    public void Bad_shapes_are_rejected_with_the_argument_named()
    {
        var fused = LinearLoss.ClassIndices<double>(CrossEntropySum.ForwardBackward);
        var h = randn([4, 8], dtype: ScalarType.Float64);
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => fused.Apply(h, randn([10, 7], dtype: ScalarType.Float64), null, zeros([4], ScalarType.Int64))).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => fused.Apply(h, randn([10, 8], dtype: ScalarType.Float64), randn([9], dtype: ScalarType.Float64), zeros([4], ScalarType.Int64))).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => fused.Apply(h, randn([10, 8], dtype: ScalarType.Float64), null, zeros([5], ScalarType.Int64))).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearLoss.ClassIndices<double>(CrossEntropySum.ForwardBackward, chunk: -1));
    }
}
