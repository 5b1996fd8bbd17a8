using System;
using System.Collections.Generic;
using System.Linq;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using TReduction = TorchSharp.torch.nn.Reduction;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// The losses with more than two predictions or a per-position prediction (docs/losses.md: GaussianNllLoss,
/// TripletMarginLoss, TripletMarginWithDistanceLoss; docs/dsl.md, "Named inputs") against TorchSharp's functional
/// losses, or the same loss composed from TorchSharp ops, computed here: the loss, and every gradient output of
/// Backward and ForwardBackward against autograd's, in float32 and float64, upstream gradient 2.5. GaussianNllLoss is
/// checked against PyTorch's definition composed from TorchSharp ops: TorchSharp 0.107's own gaussian_nll_loss sums
/// over the last axis before reducing and does not broadcast a var of one fewer axis (docs/losses.md).
/// </summary>
public class NamedInputTests
{
    public static IEnumerable<object[]> DTypes() => [[ScalarType.Float32], [ScalarType.Float64]];

    private const double Upstream = 2.5;

    /// <summary>torch.nn.functional.gaussian_nll_loss as PyTorch 2.x writes it, in TorchSharp ops.</summary>
    private static Tensor GaussianNllAsPyTorch(Tensor input, Tensor target, Tensor var, bool full, float eps, TReduction reduction)
    {
        if (var.dim() == input.dim() - 1)
        {
            var = var.unsqueeze(-1);
        }

        var = var.clone();
        using (no_grad())
        {
            var.clamp_(min: eps);
        }

        var loss = 0.5 * (var.log() + (input - target).pow(2) / var);
        if (full)
        {
            loss = loss + 0.5 * Math.Log(2 * Math.PI);
        }

        return reduction switch { TReduction.Mean => loss.mean(), TReduction.Sum => loss.sum(), _ => loss };
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Gaussian_nll_loss_matches_pytorchs_definition_with_dx_and_dvar(ScalarType dtype)
    {
        manual_seed(41);
        foreach (long[] shape in new[] { new long[] { 9, 7 }, new long[] { 1, 3 }, new long[] { 17 } })
        {
            var x = randn(shape, dtype: dtype);
            var y = randn(shape, dtype: dtype);
            var v = rand(shape, dtype: dtype) + 0.05;
            var inputs = new Named { ["x"] = x, ["y"] = y, ["var"] = v };
            Check(dtype, inputs, ["x", "var"], t => GaussianNllAsPyTorch(t["x"], t["y"], t["var"], false, 1e-6f, TReduction.Mean),
                b => GaussianNll.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var")),
                (b, g) => GaussianNll.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
                (b, g) => GaussianNll.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
                b => GaussianNll.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var")),
                (b, g) => GaussianNll.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g),
                (b, g) => GaussianNll.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g));
            Check(dtype, inputs, ["x", "var"], t => GaussianNllAsPyTorch(t["x"], t["y"], t["var"], true, 1e-3f, TReduction.Sum),
                b => GaussianNllFullSum.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var")),
                (b, g) => GaussianNllFullSum.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
                (b, g) => GaussianNllFullSum.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
                b => GaussianNllFullSum.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var")),
                (b, g) => GaussianNllFullSum.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g),
                (b, g) => GaussianNllFullSum.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g));
        }
    }

    /// <summary>
    /// var below Eps: PyTorch clamps it under no_grad, so the value uses Eps and the gradient to var is still the formula's
    /// at the clamped value (composed here as PyTorch writes it; TorchSharp's own loss is not used for this case).
    /// </summary>
    [Theory, MemberData(nameof(DTypes))]
    public void Gaussian_nll_loss_clamps_var_in_the_value_only_as_pytorch(ScalarType dtype)
    {
        manual_seed(42);
        var x = randn([5, 4], dtype: dtype);
        var y = randn([5, 4], dtype: dtype);
        var v = rand([5, 4], dtype: dtype) * 1e-3;
        var inputs = new Named { ["x"] = x, ["y"] = y, ["var"] = v };
        Check(dtype, inputs, ["x", "var"], t =>
            {
                var clamped = t["var"].clone();
                using (no_grad())
                {
                    clamped.clamp_(min: 1e-3);
                }

                return (0.5 * (clamped.log() + (t["x"] - t["y"]).pow(2) / clamped)).sum() + 0.5 * Math.Log(2 * Math.PI) * x.numel();
            },
            b => GaussianNllFullSum.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var")),
            (b, g) => GaussianNllFullSum.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
            (b, g) => GaussianNllFullSum.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
            b => GaussianNllFullSum.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var")),
            (b, g) => GaussianNllFullSum.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g),
            (b, g) => GaussianNllFullSum.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g));
    }

    /// <summary>
    /// var with one value per sample, as [N] and as [N, 1]: PyTorch broadcasts it; dvar sums over the last axis. With
    /// BroadcastVar and without it (the shape chooses).
    /// </summary>
    [Theory, MemberData(nameof(DTypes))]
    public void Gaussian_nll_loss_with_broadcast_var_matches_pytorchs_definition(ScalarType dtype)
    {
        manual_seed(43);
        foreach ((long n, long d, bool kept) in new[] { (8L, 5L, false), (8L, 5L, true), (1L, 3L, false), (33L, 2L, true) })
        {
            var x = randn([n, d], dtype: dtype);
            var y = randn([n, d], dtype: dtype);
            var v = rand(kept ? new[] { n, 1L } : new[] { n }, dtype: dtype) + 0.1;
            var inputs = new Named { ["x"] = x, ["y"] = y, ["var"] = v };
            Check(dtype, inputs, ["x", "var"], t => GaussianNllAsPyTorch(t["x"], t["y"], t["var"], false, 1e-6f, TReduction.Mean),
                b => GaussianNllBroadcast.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var")),
                (b, g) => GaussianNllBroadcast.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
                (b, g) => GaussianNllBroadcast.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
                b => GaussianNllBroadcast.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var")),
                (b, g) => GaussianNllBroadcast.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g),
                (b, g) => GaussianNllBroadcast.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g));
            // Without BroadcastVar, var's shape chooses the form at run time, as in PyTorch.
            Check(dtype, inputs, ["x", "var"], t => GaussianNllAsPyTorch(t["x"], t["y"], t["var"], false, 1e-6f, TReduction.Mean),
                b => GaussianNll.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var")),
                (b, g) => GaussianNll.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
                (b, g) => GaussianNll.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("var"), b.Rw<float>("dx"), b.Rw<float>("dvar"), (float)g),
                b => GaussianNll.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var")),
                (b, g) => GaussianNll.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g),
                (b, g) => GaussianNll.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar"), g));
        }
    }

    [Fact]
    public void Gaussian_nll_loss_without_reduction_gives_the_loss_per_element_and_dvar_per_sample()
    {
        manual_seed(44);
        var x = randn([6, 4], dtype: ScalarType.Float64);
        var y = randn([6, 4], dtype: ScalarType.Float64);
        var v = rand([6], dtype: ScalarType.Float64) + 0.2;
        var g = randn([6, 4], dtype: ScalarType.Float64);
        using var xa = x.detach().clone().requires_grad_(true);
        using var va = v.detach().clone().requires_grad_(true);
        var expected = GaussianNllAsPyTorch(xa, y, va, false, 1e-6f, TReduction.None);
        (expected * g).sum().backward();
        var b = new NamedBuffers(ScalarType.Float64).Add("x", x).Add("y", y).Add("var", v).Add("g", g).Zeros("loss", x).Zeros("dx", x).Zeros("dvar", v);
        GaussianNllBroadcastNone.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("loss"), b.Ro<double>("g"), b.Rw<double>("dx"), b.Rw<double>("dvar"));
        TorchAssert.Close(expected, b.Tensor("loss"), "loss");
        TorchAssert.Close(xa.grad!, b.Tensor("dx"), "dx");
        TorchAssert.Close(va.grad!, b.Tensor("dvar"), "dvar");
    }

    [Fact]
    public void Gaussian_nll_loss_rejects_a_var_of_the_wrong_shape_before_writing()
    {
        var b = new NamedBuffers(ScalarType.Float64).Add("x", randn([4, 3], dtype: ScalarType.Float64)).Add("y", randn([4, 3], dtype: ScalarType.Float64))
            .Add("var", ones([4, 2], dtype: ScalarType.Float64)).Zeros("dx", zeros([4, 3])).Zeros("dvar", zeros([4, 2]));
        var e = Assert.Throws<ArgumentException>(() => GaussianNllBroadcast.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar")));
        Assert.Equal("var", e.ParamName);
        var same = Assert.Throws<ArgumentException>(() => GaussianNll.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("var"), b.Rw<double>("dx"), b.Rw<double>("dvar")));
        Assert.Equal("var", same.ParamName);
        Assert.All(TorchAssert.Values(b.Tensor("dx")), v => Assert.Equal(0.0, v));
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Triplet_margin_loss_matches_F_triplet_margin_loss_with_all_three_gradients(ScalarType dtype)
    {
        manual_seed(45);
        foreach ((long n, long d) in new[] { (10L, 7L), (1L, 4L), (40L, 3L) })
        {
            var a = randn([n, d], dtype: dtype);
            var p = a + 0.5 * randn([n, d], dtype: dtype);
            var q = a + randn([n, d], dtype: dtype);
            var inputs = new Named { ["anchor"] = a, ["positive"] = p, ["negative"] = q };
            Check(dtype, inputs, ["anchor", "positive", "negative"], t => F.triplet_margin_loss(t["anchor"], t["positive"], t["negative"], 1.0, 2, 1e-6, false, TReduction.Mean),
                b => TripletMargin.Forward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative")),
                (b, g) => TripletMargin.Backward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                (b, g) => TripletMargin.ForwardBackward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                b => TripletMargin.Forward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative")),
                (b, g) => TripletMargin.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g),
                (b, g) => TripletMargin.ForwardBackward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g));
            Check(dtype, inputs, ["anchor", "positive", "negative"], t => F.triplet_margin_loss(t["anchor"], t["positive"], t["negative"], 0.5, 1, 1e-6, true, TReduction.Sum),
                b => TripletMarginL1Swap.Forward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative")),
                (b, g) => TripletMarginL1Swap.Backward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                (b, g) => TripletMarginL1Swap.ForwardBackward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                b => TripletMarginL1Swap.Forward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative")),
                (b, g) => TripletMarginL1Swap.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g),
                (b, g) => TripletMarginL1Swap.ForwardBackward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g));
            Check(dtype, inputs, ["anchor", "positive", "negative"], t => F.triplet_margin_loss(t["anchor"], t["positive"], t["negative"], 1.0, 3, 1e-3, false, TReduction.Mean),
                b => TripletMarginP3.Forward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative")),
                (b, g) => TripletMarginP3.Backward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                (b, g) => TripletMarginP3.ForwardBackward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                b => TripletMarginP3.Forward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative")),
                (b, g) => TripletMarginP3.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g),
                (b, g) => TripletMarginP3.ForwardBackward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g));
        }
    }

    [Fact]
    public void Triplet_margin_loss_backward_with_danchor_alone_matches_autograd()
    {
        manual_seed(46);
        var a = randn([6, 5], dtype: ScalarType.Float64);
        var p = a + 0.3 * randn([6, 5], dtype: ScalarType.Float64);
        var q = a + randn([6, 5], dtype: ScalarType.Float64);
        using var aa = a.detach().clone().requires_grad_(true);
        (F.triplet_margin_loss(aa, p, q, 1.0, 2, 1e-6, false, TReduction.Mean) * Upstream).backward();
        var b = new NamedBuffers(ScalarType.Float64).Add("anchor", a).Add("positive", p).Add("negative", q).Zeros("danchor", a);
        TripletMargin.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), Upstream);
        TorchAssert.Close(aa.grad!, b.Tensor("danchor"), "danchor");
    }

    [Fact]
    public void Triplet_margin_loss_names_the_argument_of_a_bad_shape_by_its_name()
    {
        var b = new NamedBuffers(ScalarType.Float64).Add("anchor", randn([4, 3], dtype: ScalarType.Float64)).Add("positive", randn([4, 3], dtype: ScalarType.Float64))
            .Add("negative", randn([4, 2], dtype: ScalarType.Float64)).Zeros("danchor", zeros([4, 3])).Zeros("dpositive", zeros([4, 3])).Zeros("dnegative", zeros([4, 2]));
        var e = Assert.Throws<ArgumentException>(() => TripletMargin.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative")));
        Assert.Equal("negative", e.ParamName);
        Assert.Contains("the shape of anchor", e.Message);
        var overlap = Assert.Throws<ArgumentException>(() => TripletMargin.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("positive"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("danchor")));
        Assert.Equal("danchor", overlap.ParamName);
        Assert.Contains("dnegative", overlap.Message);
        Assert.All(TorchAssert.Values(b.Tensor("danchor")), v => Assert.Equal(0.0, v));
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Triplet_margin_with_distance_loss_matches_F_triplet_margin_with_distance_loss(ScalarType dtype)
    {
        manual_seed(47);
        foreach ((long n, long d) in new[] { (12L, 6L), (1L, 3L) })
        {
            var a = randn([n, d], dtype: dtype);
            var p = a + 0.5 * randn([n, d], dtype: dtype);
            var q = randn([n, d], dtype: dtype);
            var inputs = new Named { ["anchor"] = a, ["positive"] = p, ["negative"] = q };
            Check(dtype, inputs, ["anchor", "positive", "negative"], t => F.triplet_margin_with_distance_loss(t["anchor"], t["positive"], t["negative"], null, 1.0, false, TReduction.Mean),
                b => TripletWithDistance.Forward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative")),
                (b, g) => TripletWithDistance.Backward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                (b, g) => TripletWithDistance.ForwardBackward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                b => TripletWithDistance.Forward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative")),
                (b, g) => TripletWithDistance.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g),
                (b, g) => TripletWithDistance.ForwardBackward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g));
            static Tensor Cosine(Tensor x, Tensor y) => 1 - (x * y).sum(-1) / ((x * x).sum(-1).sqrt() * (y * y).sum(-1).sqrt());
            Check(dtype, inputs, ["anchor", "positive", "negative"], t => F.triplet_margin_with_distance_loss(t["anchor"], t["positive"], t["negative"], Cosine, 0.3, true, TReduction.Sum),
                b => TripletWithCosineDistance.Forward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative")),
                (b, g) => TripletWithCosineDistance.Backward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                (b, g) => TripletWithCosineDistance.ForwardBackward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
                b => TripletWithCosineDistance.Forward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative")),
                (b, g) => TripletWithCosineDistance.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g),
                (b, g) => TripletWithCosineDistance.ForwardBackward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g));
        }
    }

    /// <summary>docs/dsl.md's triplet with named inputs, against F.triplet_margin_loss with eps 0 (pairwise_distance's eps is not in it).</summary>
    [Theory, MemberData(nameof(DTypes))]
    public void Triplet_written_with_named_inputs_matches_the_composition(ScalarType dtype)
    {
        manual_seed(48);
        var a = randn([9, 4], dtype: dtype);
        var p = a + 0.4 * randn([9, 4], dtype: dtype);
        var q = a + randn([9, 4], dtype: dtype);
        var inputs = new Named { ["anchor"] = a, ["positive"] = p, ["negative"] = q };
        static Tensor Norm(Tensor e) => (e * e).sum(-1).sqrt();
        Check(dtype, inputs, ["anchor", "positive", "negative"], t => F.relu(Norm(t["anchor"] - t["positive"]) - Norm(t["anchor"] - t["negative"]) + 1.0).mean(),
            b => TripletWritten.Forward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative")),
            (b, g) => TripletWritten.Backward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
            (b, g) => TripletWritten.ForwardBackward(b.Ro<float>("anchor"), b.Ro<float>("positive"), b.Ro<float>("negative"), b.Rw<float>("danchor"), b.Rw<float>("dpositive"), b.Rw<float>("dnegative"), (float)g),
            b => TripletWritten.Forward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative")),
            (b, g) => TripletWritten.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g),
            (b, g) => TripletWritten.ForwardBackward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g));
    }

    /// <summary>The norm's gradient at an all-zero row is 0, as PyTorch's (anchor == positive, no eps).</summary>
    [Fact]
    public void Norm_has_gradient_zero_at_an_all_zero_row_as_pytorch()
    {
        manual_seed(49);
        var a = randn([3, 4], dtype: ScalarType.Float64);
        var p = a.clone();
        var q = a + 5;
        var inputs = new Named { ["anchor"] = a, ["positive"] = p, ["negative"] = q };
        static Tensor Norm(Tensor e) => linalg.vector_norm(e, 2, new long[] { -1 });
        Check(ScalarType.Float64, inputs, ["anchor", "positive", "negative"], t => F.relu(Norm(t["anchor"] - t["positive"]) - Norm(t["anchor"] - t["negative"]) + 100.0).mean(),
            b => throw new InvalidOperationException(), (b, g) => throw new InvalidOperationException(), (b, g) => throw new InvalidOperationException(),
            b => TripletWritten.Forward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), 100.0),
            (b, g) => TripletWritten.Backward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g, 100.0),
            (b, g) => TripletWritten.ForwardBackward(b.Ro<double>("anchor"), b.Ro<double>("positive"), b.Ro<double>("negative"), b.Rw<double>("danchor"), b.Rw<double>("dpositive"), b.Rw<double>("dnegative"), g, 100.0));
    }

    [Theory, MemberData(nameof(DTypes))]
    public void A_per_position_prediction_gets_its_gradient_per_position(ScalarType dtype)
    {
        manual_seed(50);
        foreach ((long n, long c) in new[] { (7L, 5L), (1L, 3L), (20L, 40L) })
        {
            var logits = randn([n, c], dtype: dtype) * 3;
            var label = randint(0, c, [n], dtype: ScalarType.Int64);
            var temperature = rand([n], dtype: dtype) + 0.5;
            var inputs = new Named { ["logits"] = logits, ["label"] = label, ["temperature"] = temperature };
            Check(dtype, inputs, ["logits", "temperature"], t => F.cross_entropy(t["logits"] / t["temperature"].unsqueeze(1), t["label"]),
                b => LearnedTemperature.Forward(b.Ro<float>("logits"), b.Ro<long>("label"), b.Ro<float>("temperature")),
                (b, g) => LearnedTemperature.Backward(b.Ro<float>("logits"), b.Ro<long>("label"), b.Ro<float>("temperature"), b.Rw<float>("dlogits"), b.Rw<float>("dtemperature"), (float)g),
                (b, g) => LearnedTemperature.ForwardBackward(b.Ro<float>("logits"), b.Ro<long>("label"), b.Ro<float>("temperature"), b.Rw<float>("dlogits"), b.Rw<float>("dtemperature"), (float)g),
                b => LearnedTemperature.Forward(b.Ro<double>("logits"), b.Ro<long>("label"), b.Ro<double>("temperature")),
                (b, g) => LearnedTemperature.Backward(b.Ro<double>("logits"), b.Ro<long>("label"), b.Ro<double>("temperature"), b.Rw<double>("dlogits"), b.Rw<double>("dtemperature"), g),
                (b, g) => LearnedTemperature.ForwardBackward(b.Ro<double>("logits"), b.Ro<long>("label"), b.Ro<double>("temperature"), b.Rw<double>("dlogits"), b.Rw<double>("dtemperature"), g));
        }
    }

    [Fact]
    public void A_named_class_index_out_of_range_is_reported_by_its_name()
    {
        var b = new NamedBuffers(ScalarType.Float64).Add("logits", randn([3, 4], dtype: ScalarType.Float64)).Add("label", tensor(new long[] { 0, 4, 1 }))
            .Add("temperature", ones([3], dtype: ScalarType.Float64)).Zeros("dlogits", zeros([3, 4]));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LearnedTemperature.Backward(b.Ro<double>("logits"), b.Ro<long>("label"), b.Ro<double>("temperature"), b.Rw<double>("dlogits")));
        Assert.Equal("label", e.ParamName);
        Assert.All(TorchAssert.Values(b.Tensor("dlogits")), v => Assert.Equal(0.0, v));
    }

    /// <summary>Tensors named like the kernel's own locals (target, seed, double) work as any other name.</summary>
    [Theory, MemberData(nameof(DTypes))]
    public void Names_that_meet_the_kernel_locals_work(ScalarType dtype)
    {
        manual_seed(51);
        var seed = randn([6, 5], dtype: dtype);
        var target = randint(0, 5, [6], dtype: ScalarType.Int64);
        var w8 = rand([5], dtype: dtype) + 0.5;
        var other = randn([6, 5], dtype: dtype);
        var inputs = new Named { ["seed"] = seed, ["target"] = target, ["w8"] = w8, ["double"] = other };
        Check(dtype, inputs, ["seed"], t => (t["w8"][t["target"]] * F.cross_entropy(t["seed"], t["target"], reduction: TReduction.None)).mean() + 0.01 * t["double"].mean(),
            b => NamesThatMeetTheKernel.Forward(b.Ro<float>("seed"), b.Ro<long>("target"), b.Ro<float>("w8"), b.Ro<float>("double")),
            (b, g) => NamesThatMeetTheKernel.Backward(b.Ro<float>("seed"), b.Ro<long>("target"), b.Ro<float>("w8"), b.Ro<float>("double"), b.Rw<float>("dseed"), (float)g),
            (b, g) => NamesThatMeetTheKernel.ForwardBackward(b.Ro<float>("seed"), b.Ro<long>("target"), b.Ro<float>("w8"), b.Ro<float>("double"), b.Rw<float>("dseed"), (float)g),
            b => NamesThatMeetTheKernel.Forward(b.Ro<double>("seed"), b.Ro<long>("target"), b.Ro<double>("w8"), b.Ro<double>("double")),
            (b, g) => NamesThatMeetTheKernel.Backward(b.Ro<double>("seed"), b.Ro<long>("target"), b.Ro<double>("w8"), b.Ro<double>("double"), b.Rw<double>("dseed"), g),
            (b, g) => NamesThatMeetTheKernel.ForwardBackward(b.Ro<double>("seed"), b.Ro<long>("target"), b.Ro<double>("w8"), b.Ro<double>("double"), b.Rw<double>("dseed"), g));
    }

    private static void Check(ScalarType dtype, Named inputs, string[] grads, Func<Named, Tensor> torchLoss,
        Func<NamedBuffers, float> f, Action<NamedBuffers, double> fb, Func<NamedBuffers, double, float> ffb,
        Func<NamedBuffers, double> d, Action<NamedBuffers, double> db, Func<NamedBuffers, double, double> dfb) =>
        LossCheck.Against(dtype, Upstream, inputs, grads, torchLoss, f, fb, ffb, d, db, dfb);
}
