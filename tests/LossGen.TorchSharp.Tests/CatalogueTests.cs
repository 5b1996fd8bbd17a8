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
/// Canned losses of docs/losses.md against TorchSharp's own functional losses on the same tensors, computed here: the
/// loss of Forward, every gradient output of Backward and ForwardBackward (dx, and dy where the second input is
/// differentiable) against autograd's, in float32 and float64, with an upstream gradient of 2.5, on shapes with odd
/// sizes, a batch of one and values on each loss's kink.
/// </summary>
public class CatalogueTests
{
    public static IEnumerable<object[]> DTypes() => [[ScalarType.Float32], [ScalarType.Float64]];

    private const double Upstream = 2.5;

    /// <summary>Labels of +1 and -1.</summary>
    private static Tensor Signs(long[] shape, ScalarType dtype) => (randint(0, 2, shape, dtype: ScalarType.Int64) * 2 - 1).to_type(dtype);

    [Theory, MemberData(nameof(DTypes))]
    public void Hinge_embedding_loss_matches_F_hinge_embedding_loss(ScalarType dtype)
    {
        manual_seed(31);
        foreach (long[] shape in new[] { new long[] { 7, 13 }, new long[] { 1, 3 }, new long[] { 5 } })
        {
            var x = randn(shape, dtype: dtype) * 2;
            var y = Signs(shape, dtype);
            // Distances exactly on the margin (the clamp passes the gradient there, as torch.clamp_min).
            x.view(-1)[0] = tensor(1.0, dtype: dtype);
            y.view(-1)[0] = tensor(-1.0, dtype: dtype);
            var inputs = new Named { ["x"] = x, ["y"] = y };
            Check(dtype, inputs, ["x"], t => F.hinge_embedding_loss(t["x"], t["y"], 1.0, TReduction.Mean),
                f: b => HingeEmbedding.Forward(b.Ro<float>("x"), b.Ro<float>("y")),
                fb: (b, g) => HingeEmbedding.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => HingeEmbedding.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), (float)g),
                d: b => HingeEmbedding.Forward(b.Ro<double>("x"), b.Ro<double>("y")),
                db: (b, g) => HingeEmbedding.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), g),
                dfb: (b, g) => HingeEmbedding.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), g));
            Check(dtype, inputs, ["x"], t => F.hinge_embedding_loss(t["x"], t["y"], 0.5, TReduction.Sum),
                f: b => HingeEmbeddingSum.Forward(b.Ro<float>("x"), b.Ro<float>("y")),
                fb: (b, g) => HingeEmbeddingSum.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => HingeEmbeddingSum.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), (float)g),
                d: b => HingeEmbeddingSum.Forward(b.Ro<double>("x"), b.Ro<double>("y")),
                db: (b, g) => HingeEmbeddingSum.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), g),
                dfb: (b, g) => HingeEmbeddingSum.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), g));
        }
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Hinge_embedding_loss_without_reduction_matches_per_element(ScalarType dtype)
    {
        manual_seed(32);
        var x = randn([4, 9], dtype: dtype) * 3;
        var y = Signs([4, 9], dtype);
        var g = randn([4, 9], dtype: dtype);
        using var xa = x.detach().clone().requires_grad_(true);
        var expected = F.hinge_embedding_loss(xa, y, 2.0, TReduction.None);
        (expected * g).sum().backward();
        var b = new NamedBuffers(dtype).Add("x", x).Add("y", y).Add("g", g).Zeros("loss", x).Zeros("dx", x);
        if (dtype == ScalarType.Float32)
        {
            HingeEmbeddingNone.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("loss"), b.Ro<float>("g"), b.Rw<float>("dx"));
        }
        else
        {
            HingeEmbeddingNone.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("loss"), b.Ro<double>("g"), b.Rw<double>("dx"));
        }

        TorchAssert.Close(expected, b.Tensor("loss"), "loss");
        TorchAssert.Close(xa.grad!, b.Tensor("dx"), "dx");
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Margin_ranking_loss_matches_F_margin_ranking_loss_with_both_gradients(ScalarType dtype)
    {
        manual_seed(33);
        foreach (long n in new long[] { 37, 1, 8 })
        {
            var x = randn([n], dtype: dtype);
            var y = randn([n], dtype: dtype);
            var label = Signs([n], dtype);
            // A pair exactly on the margin: -label * (x - y) + margin == 0 (the clamp passes the gradient there).
            x[0] = y[0] + label[0] * 0.25;
            var inputs = new Named { ["x"] = x, ["y"] = y, ["label"] = label };
            Check(dtype, inputs, ["x", "y"], t => F.margin_ranking_loss(t["x"], t["y"], t["label"], 0.0, TReduction.Mean),
                f: b => MarginRanking.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label")),
                fb: (b, g) => MarginRanking.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => MarginRanking.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => MarginRanking.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label")),
                db: (b, g) => MarginRanking.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => MarginRanking.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
            Check(dtype, inputs, ["x", "y"], t => F.margin_ranking_loss(t["x"], t["y"], t["label"], 0.25, TReduction.Sum),
                f: b => MarginRankingSum.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label")),
                fb: (b, g) => MarginRankingSum.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => MarginRankingSum.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => MarginRankingSum.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label")),
                db: (b, g) => MarginRankingSum.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => MarginRankingSum.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
        }
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Cosine_embedding_loss_matches_F_cosine_embedding_loss_with_both_gradients(ScalarType dtype)
    {
        manual_seed(37);
        foreach ((long n, long d) in new[] { (11L, 17L), (1L, 3L), (64L, 8L) })
        {
            var x = randn([n, d], dtype: dtype);
            var y = randn([n, d], dtype: dtype);
            // Some pairs nearly parallel, some opposite: cos near 1 and -1.
            y[0] = x[0] * 2 + 1e-3;
            var label = Signs([n], dtype);
            var inputs = new Named { ["x"] = x, ["y"] = y, ["label"] = label };
            Check(dtype, inputs, ["x", "y"], a => F.cosine_embedding_loss(a["x"], a["y"], a["label"], 0.0, TReduction.Mean),
                f: b => CosineEmbedding.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label")),
                fb: (b, g) => CosineEmbedding.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => CosineEmbedding.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => CosineEmbedding.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label")),
                db: (b, g) => CosineEmbedding.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => CosineEmbedding.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
            Check(dtype, inputs, ["x", "y"], a => F.cosine_embedding_loss(a["x"], a["y"], a["label"], 0.2, TReduction.Sum),
                f: b => CosineEmbeddingSum.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label")),
                fb: (b, g) => CosineEmbeddingSum.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => CosineEmbeddingSum.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("label"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => CosineEmbeddingSum.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label")),
                db: (b, g) => CosineEmbeddingSum.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => CosineEmbeddingSum.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
        }
    }

    [Fact]
    public void Cosine_embedding_loss_rejects_labels_of_the_wrong_shape_before_writing()
    {
        var b = new NamedBuffers(ScalarType.Float64).Add("x", randn([4, 3], dtype: ScalarType.Float64)).Add("y", randn([4, 3], dtype: ScalarType.Float64))
            .Add("label", ones([3], dtype: ScalarType.Float64)).Zeros("dx", zeros([4, 3])).Zeros("dy", zeros([4, 3]));
        var e = Assert.Throws<ArgumentException>(() => CosineEmbedding.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("label"), b.Rw<double>("dx"), b.Rw<double>("dy")));
        Assert.Equal("label", e.ParamName);
        Assert.All(TorchAssert.Values(b.Tensor("dx")), v => Assert.Equal(0.0, v));
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Multi_margin_loss_matches_F_multi_margin_loss(ScalarType dtype)
    {
        manual_seed(34);
        foreach ((long n, long c) in new[] { (9L, 5L), (1L, 5L), (33L, 5L) })
        {
            var x = randn([n, c], dtype: dtype);
            var t = randint(0, c, [n], dtype: ScalarType.Int64);
            var w = rand([c], dtype: dtype) + 0.5;
            // A class exactly on the margin of the target (z = 0: no gradient, as PyTorch's kernel).
            long other = (t[0].item<long>() + 1) % c;
            x[0, other] = x[0, t[0].item<long>()] - 1.0;
            var inputs = new Named { ["x"] = x, ["t"] = t, ["w"] = w };
            Check(dtype, inputs, ["x"], a => F.multi_margin_loss(a["x"], a["t"], 1, 1.0, null, TReduction.Mean),
                f: b => MultiMargin.Forward(b.Ro<float>("x"), b.Ro<long>("t")),
                fb: (b, g) => MultiMargin.Backward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => MultiMargin.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                d: b => MultiMargin.Forward(b.Ro<double>("x"), b.Ro<long>("t")),
                db: (b, g) => MultiMargin.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g),
                dfb: (b, g) => MultiMargin.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g));
            Check(dtype, inputs, ["x"], a => F.multi_margin_loss(a["x"], a["t"], 2, 0.5, a["w"], TReduction.Mean),
                f: b => MultiMarginSquaredWeighted.Forward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w")),
                fb: (b, g) => MultiMarginSquaredWeighted.Backward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => MultiMarginSquaredWeighted.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w"), b.Rw<float>("dx"), (float)g),
                d: b => MultiMarginSquaredWeighted.Forward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w")),
                db: (b, g) => MultiMarginSquaredWeighted.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w"), b.Rw<double>("dx"), g),
                dfb: (b, g) => MultiMarginSquaredWeighted.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w"), b.Rw<double>("dx"), g));
            Check(dtype, inputs, ["x"], a => F.multi_margin_loss(a["x"], a["t"], 1, 1.0, a["w"], TReduction.Sum),
                f: b => MultiMarginWeightedSum5.Forward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w")),
                fb: (b, g) => MultiMarginWeightedSum5.Backward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => MultiMarginWeightedSum5.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w"), b.Rw<float>("dx"), (float)g),
                d: b => MultiMarginWeightedSum5.Forward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w")),
                db: (b, g) => MultiMarginWeightedSum5.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w"), b.Rw<double>("dx"), g),
                dfb: (b, g) => MultiMarginWeightedSum5.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w"), b.Rw<double>("dx"), g));
        }
    }

    [Fact]
    public void Multi_margin_loss_rejects_a_class_index_out_of_range_before_writing()
    {
        var b = new NamedBuffers(ScalarType.Float64).Add("x", randn([3, 4], dtype: ScalarType.Float64)).Add("t", tensor(new long[] { 0, 4, 1 })).Zeros("dx", zeros([3, 4]));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MultiMargin.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx")));
        Assert.Equal("t", e.ParamName);
        Assert.All(TorchAssert.Values(b.Tensor("dx")), v => Assert.Equal(0.0, v));
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Multilabel_soft_margin_loss_matches_F_multilabel_soft_margin_loss_with_both_gradients(ScalarType dtype)
    {
        manual_seed(35);
        foreach ((long n, long c) in new[] { (6L, 11L), (1L, 4L), (40L, 3L) })
        {
            var x = randn([n, c], dtype: dtype) * 4;
            var y = randint(0, 2, [n, c], dtype: ScalarType.Int64).to_type(dtype);
            var w = rand([c], dtype: dtype) + 0.5;
            var inputs = new Named { ["x"] = x, ["y"] = y, ["w"] = w };
            Check(dtype, inputs, ["x", "y"], a => F.multilabel_soft_margin_loss(a["x"], a["y"], null, TReduction.Mean),
                f: b => MultiLabelSoftMargin.Forward(b.Ro<float>("x"), b.Ro<float>("y")),
                fb: (b, g) => MultiLabelSoftMargin.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => MultiLabelSoftMargin.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => MultiLabelSoftMargin.Forward(b.Ro<double>("x"), b.Ro<double>("y")),
                db: (b, g) => MultiLabelSoftMargin.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => MultiLabelSoftMargin.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
            Check(dtype, inputs, ["x", "y"], a => F.multilabel_soft_margin_loss(a["x"], a["y"], a["w"], TReduction.Sum),
                f: b => MultiLabelSoftMarginWeightedSum.Forward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("w")),
                fb: (b, g) => MultiLabelSoftMarginWeightedSum.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("w"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => MultiLabelSoftMarginWeightedSum.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Ro<float>("w"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => MultiLabelSoftMarginWeightedSum.Forward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("w")),
                db: (b, g) => MultiLabelSoftMarginWeightedSum.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("w"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => MultiLabelSoftMarginWeightedSum.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Ro<double>("w"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
        }
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Where_matches_torch_where_in_elementwise_losses_and_class_loops(ScalarType dtype)
    {
        manual_seed(36);
        var x = randn([5, 37], dtype: dtype);
        var y = randn([5, 37], dtype: dtype);
        x[0, 0] = tensor(0.0, dtype: dtype);
        x[1, 1] = y[1, 1];
        var inputs = new Named { ["x"] = x, ["y"] = y };
        Check(dtype, inputs, ["x", "y"], a => (torch.where(a["x"] > 0, a["x"], 0.01 * a["x"]) * a["y"]).sum(),
            f: b => LeakyReluWhere.Forward(b.Ro<float>("x"), b.Ro<float>("y")),
            fb: (b, g) => LeakyReluWhere.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
            ffb: (b, g) => LeakyReluWhere.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
            d: b => LeakyReluWhere.Forward(b.Ro<double>("x"), b.Ro<double>("y")),
            db: (b, g) => LeakyReluWhere.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
            dfb: (b, g) => LeakyReluWhere.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
        Check(dtype, inputs, ["x", "y"], a => torch.where(a["x"] >= a["y"], a["x"] - a["y"], 0.5 * (a["y"] - a["x"]).pow(2)).sum(1).mean(),
            f: b => WhereOverClasses.Forward(b.Ro<float>("x"), b.Ro<float>("y")),
            fb: (b, g) => WhereOverClasses.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
            ffb: (b, g) => WhereOverClasses.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
            d: b => WhereOverClasses.Forward(b.Ro<double>("x"), b.Ro<double>("y")),
            db: (b, g) => WhereOverClasses.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
            dfb: (b, g) => WhereOverClasses.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Losses_people_write_match_their_TorchSharp_compositions(ScalarType dtype)
    {
        manual_seed(38);
        foreach ((long n, long c) in new[] { (13L, 10L), (1L, 7L), (40L, 3L) })
        {
            var x = randn([n, c], dtype: dtype) * 2;
            var t = randint(0, c, [n], dtype: ScalarType.Int64);
            var w = rand([c], dtype: dtype) + 0.25;
            var mask = randint(0, 2, [n, c], dtype: ScalarType.Int64).to_type(dtype);
            var indices = new Named { ["x"] = x, ["t"] = t, ["w"] = w };
            Check(dtype, indices, ["x"], a => { var ce = F.cross_entropy(a["x"], a["t"], reduction: TReduction.None); return (ce + 1.0 * (1 - (-ce).exp())).mean(); },
                f: b => Poly1CrossEntropy.Forward(b.Ro<float>("x"), b.Ro<long>("t")),
                fb: (b, g) => Poly1CrossEntropy.Backward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => Poly1CrossEntropy.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                d: b => Poly1CrossEntropy.Forward(b.Ro<double>("x"), b.Ro<long>("t")),
                db: (b, g) => Poly1CrossEntropy.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g),
                dfb: (b, g) => Poly1CrossEntropy.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g));
            Check(dtype, indices, ["x"], a => { var ce = F.cross_entropy(a["x"], a["t"], reduction: TReduction.None); return (a["w"].index_select(0, a["t"]) * (1 - (-ce).exp()).pow(2) * ce).mean(); },
                f: b => FocalWithAlpha.Forward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w")),
                fb: (b, g) => FocalWithAlpha.Backward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => FocalWithAlpha.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("t"), b.Ro<float>("w"), b.Rw<float>("dx"), (float)g),
                d: b => FocalWithAlpha.Forward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w")),
                db: (b, g) => FocalWithAlpha.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w"), b.Rw<double>("dx"), g),
                dfb: (b, g) => FocalWithAlpha.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("t"), b.Ro<double>("w"), b.Rw<double>("dx"), g));
            Check(dtype, indices, ["x"], a => F.cross_entropy(a["x"] / 0.07, a["t"]),
                f: b => InfoNce.Forward(b.Ro<float>("x"), b.Ro<long>("t")),
                fb: (b, g) => InfoNce.Backward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => InfoNce.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                d: b => InfoNce.Forward(b.Ro<double>("x"), b.Ro<long>("t")),
                db: (b, g) => InfoNce.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g),
                dfb: (b, g) => InfoNce.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g));

            var dense = new Named { ["x"] = x, ["y"] = mask };
            Check(dtype, dense, ["x", "y"], a => { var p = a["x"].sigmoid(); return (1 - (2 * (p * a["y"]).sum(1) + 1) / (p.sum(1) + a["y"].sum(1) + 1)).mean(); },
                f: b => Dice.Forward(b.Ro<float>("x"), b.Ro<float>("y")),
                fb: (b, g) => Dice.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => Dice.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => Dice.Forward(b.Ro<double>("x"), b.Ro<double>("y")),
                db: (b, g) => Dice.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => Dice.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
            Check(dtype, dense, ["x", "y"], a =>
                {
                    var p = a["x"].sigmoid();
                    var tp = (p * a["y"]).sum(1);
                    return (1 - (tp + 1) / (tp + 0.3 * (p * (1 - a["y"])).sum(1) + 0.7 * ((1 - p) * a["y"]).sum(1) + 1)).mean();
                },
                f: b => Tversky.Forward(b.Ro<float>("x"), b.Ro<float>("y")),
                fb: (b, g) => Tversky.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => Tversky.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => Tversky.Forward(b.Ro<double>("x"), b.Ro<double>("y")),
                db: (b, g) => Tversky.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => Tversky.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
        }
    }

    [Theory, MemberData(nameof(DTypes))]
    public void The_class_index_compared_with_a_constant_selects_per_position(ScalarType dtype)
    {
        manual_seed(40);
        foreach (long n in new long[] { 37, 1, 64 })
        {
            var x = randn([n, 4], dtype: dtype) * 2;
            var t = randint(0, 4, [n], dtype: ScalarType.Int64);
            var inputs = new Named { ["x"] = x, ["t"] = t };
            Tensor Weighted(Named a, double first, double last)
            {
                var ce = F.cross_entropy(a["x"], a["t"], reduction: TReduction.None);
                var weight = where(a["t"] == 0, tensor(first, dtype: dtype), where(a["t"] == 3, tensor(last, dtype: dtype), tensor(1.0, dtype: dtype)));
                return (ce * weight).mean();
            }

            Check(dtype, inputs, ["x"], a => Weighted(a, 2.0, 1.0),
                f: b => FirstClassTwice.Forward(b.Ro<float>("x"), b.Ro<long>("t")),
                fb: (b, g) => FirstClassTwice.Backward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => FirstClassTwice.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                d: b => FirstClassTwice.Forward(b.Ro<double>("x"), b.Ro<long>("t")),
                db: (b, g) => FirstClassTwice.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g),
                dfb: (b, g) => FirstClassTwice.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g));
            Check(dtype, inputs, ["x"], a => Weighted(a, 1.0, 0.5),
                f: b => LastClassHalf4.Forward(b.Ro<float>("x"), b.Ro<long>("t")),
                fb: (b, g) => LastClassHalf4.Backward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => LastClassHalf4.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("t"), b.Rw<float>("dx"), (float)g),
                d: b => LastClassHalf4.Forward(b.Ro<double>("x"), b.Ro<long>("t")),
                db: (b, g) => LastClassHalf4.Backward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g),
                dfb: (b, g) => LastClassHalf4.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("t"), b.Rw<double>("dx"), g));
        }
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Dice_over_every_axis_after_the_first_matches_the_composition(ScalarType dtype)
    {
        manual_seed(41);
        foreach (long[] shape in new[] { new long[] { 3, 5, 7 }, new long[] { 1, 4, 4 }, new long[] { 2, 3, 4, 5 }, new long[] { 6, 9 } })
        {
            var x = randn(shape, dtype: dtype);
            var y = (rand(shape, dtype: dtype) > 0.5).to_type(dtype);
            var inputs = new Named { ["x"] = x, ["y"] = y };
            long[] rest = Enumerable.Range(1, shape.Length - 1).Select(d => (long)d).ToArray();
            Check(dtype, inputs, ["x", "y"], a =>
                {
                    var p = torch.sigmoid(a["x"]);
                    return (1 - (2 * (p * a["y"]).sum(rest) + 1.0) / (p.sum(rest) + a["y"].sum(rest) + 1.0)).mean();
                },
                f: b => DiceOverMask.Forward(b.Ro<float>("x"), b.Ro<float>("y")),
                fb: (b, g) => DiceOverMask.Backward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                ffb: (b, g) => DiceOverMask.ForwardBackward(b.Ro<float>("x"), b.Ro<float>("y"), b.Rw<float>("dx"), b.Rw<float>("dy"), (float)g),
                d: b => DiceOverMask.Forward(b.Ro<double>("x"), b.Ro<double>("y")),
                db: (b, g) => DiceOverMask.Backward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g),
                dfb: (b, g) => DiceOverMask.ForwardBackward(b.Ro<double>("x"), b.Ro<double>("y"), b.Rw<double>("dx"), b.Rw<double>("dy"), g));
        }
    }

    [Fact]
    public void Dice_over_every_axis_after_the_first_allocates_nothing_per_call()
    {
        float[] x = new float[4 * 16 * 16], y = new float[4 * 16 * 16], dx = new float[4 * 16 * 16], dy = new float[4 * 16 * 16];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 7) - 3;
            y[i] = i % 3 == 0 ? 1 : 0;
        }

        float Run() => DiceOverMask.ForwardBackward(new System.Numerics.Tensors.ReadOnlyTensorSpan<float>(x, [4, 16, 16]), new System.Numerics.Tensors.ReadOnlyTensorSpan<float>(y, [4, 16, 16]),
            new System.Numerics.Tensors.TensorSpan<float>(dx, [4, 16, 16]), new System.Numerics.Tensors.TensorSpan<float>(dy, [4, 16, 16]));
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        float loss = Run() + Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(float.IsFinite(loss));
    }

    [Fact]
    public void Dice_over_every_axis_after_the_first_rejects_mismatched_and_strided_masks()
    {
        var e = Assert.Throws<ArgumentException>(() => DiceOverMask.Forward(
            new System.Numerics.Tensors.ReadOnlyTensorSpan<double>(new double[24], [2, 3, 4]), new System.Numerics.Tensors.ReadOnlyTensorSpan<double>(new double[24], [2, 4, 3])));
        Assert.Equal("y", e.ParamName);
        // Rows of 4 with a step of 2, ten apart: the axes after the first are not one run of memory.
        double[] buffer = new double[64];
        var s = Assert.Throws<ArgumentException>(() => DiceOverMask.Forward(
            new System.Numerics.Tensors.ReadOnlyTensorSpan<double>(buffer, [2, 3, 4], [30, 10, 2]), new System.Numerics.Tensors.ReadOnlyTensorSpan<double>(buffer, [2, 3, 4], [30, 10, 2])));
        Assert.Equal("x", s.ParamName);
        Assert.Contains("AllButBatch", s.Message);
    }

    /// <summary>TorchSharp's multi-label margin loss (its module: TorchSharp 0.107 has no functional form).</summary>
    private static Tensor MultiLabelMarginOfTorch(Tensor x, Tensor y, TReduction reduction) => nn.MultiLabelMarginLoss(reduction).forward(x, y);

    /// <summary>Rows of target classes ended by -1 (some rows with none, one with every class), as long.</summary>
    private static Tensor TargetLists(long n, long c)
    {
        var y = full([n, c], -1L, dtype: ScalarType.Int64);
        for (long i = 0; i < n; i++)
        {
            long count = i == 0 ? c : i % 4 == 1 ? 0 : 1 + i % Math.Max(1, c - 1);
            var chosen = randperm(c)[TensorIndex.Slice(0, count)];
            if (count > 0)
            {
                y[i, TensorIndex.Slice(0, count)] = chosen;
            }
        }

        return y;
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Multilabel_margin_loss_matches_F_multilabel_margin_loss(ScalarType dtype)
    {
        manual_seed(38);
        foreach ((long n, long c) in new[] { (9L, 6L), (1L, 4L), (30L, 11L) })
        {
            var x = randn([n, c], dtype: dtype);
            var y = TargetLists(n, c);
            var inputs = new Named { ["x"] = x, ["y"] = y };
            Check(dtype, inputs, ["x"], a => MultiLabelMarginOfTorch(a["x"], a["y"], TReduction.Mean),
                f: b => MultiLabelMargin.Forward(b.Ro<float>("x"), b.Ro<long>("y")),
                fb: (b, g) => MultiLabelMargin.Backward(b.Ro<float>("x"), b.Ro<long>("y"), b.Rw<float>("dx"), (float)g),
                ffb: (b, g) => MultiLabelMargin.ForwardBackward(b.Ro<float>("x"), b.Ro<long>("y"), b.Rw<float>("dx"), (float)g),
                d: b => MultiLabelMargin.Forward(b.Ro<double>("x"), b.Ro<long>("y")),
                db: (b, g) => MultiLabelMargin.Backward(b.Ro<double>("x"), b.Ro<long>("y"), b.Rw<double>("dx"), g),
                dfb: (b, g) => MultiLabelMargin.ForwardBackward(b.Ro<double>("x"), b.Ro<long>("y"), b.Rw<double>("dx"), g));
        }
    }

    [Fact]
    public void Multilabel_margin_loss_per_sample_and_unbatched_matches_F_multilabel_margin_loss()
    {
        manual_seed(39);
        var x = randn([7, 5], dtype: ScalarType.Float64);
        var y = TargetLists(7, 5).to_type(ScalarType.Int32);
        var g = rand([7], dtype: ScalarType.Float64);
        using var xa = x.detach().clone().requires_grad_(true);
        var expected = MultiLabelMarginOfTorch(xa, y.to_type(ScalarType.Int64), TReduction.None);
        (expected * g).sum().backward();
        var b = new NamedBuffers(ScalarType.Float64).Add("x", x).Add("y", y).Add("g", g).Zeros("loss", g).Zeros("dx", x);
        MultiLabelMarginNone.ForwardBackward(b.Ro<double>("x"), b.Ro<int>("y"), b.Rw<double>("loss"), b.Ro<double>("g"), b.Rw<double>("dx"));
        TorchAssert.Close(expected, b.Tensor("loss"), "loss");
        TorchAssert.Close(xa.grad!, b.Tensor("dx"), "dx");

        var one = randn([6], dtype: ScalarType.Float64);
        var labels = tensor(new long[] { 3, 0, -1, 5, 5, 5 });
        var single = new NamedBuffers(ScalarType.Float64).Add("x", one).Add("y", labels);
        TorchAssert.Close(MultiLabelMarginOfTorch(one, labels, TReduction.Mean), tensor(MultiLabelMargin.Forward(single.Ro<double>("x"), single.Ro<long>("y"))), "unbatched");
    }

    [Fact]
    public void Multilabel_margin_loss_rejects_a_target_class_out_of_range_before_writing()
    {
        var b = new NamedBuffers(ScalarType.Float64).Add("x", randn([3, 4], dtype: ScalarType.Float64)).Add("y", tensor(new long[,] { { 0, -1, 0, 0 }, { 4, -1, 0, 0 }, { -1, 0, 0, 0 } })).Zeros("dx", zeros([3, 4]));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MultiLabelMargin.Backward(b.Ro<double>("x"), b.Ro<long>("y"), b.Rw<double>("dx")));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("row 1", e.Message);
        Assert.All(TorchAssert.Values(b.Tensor("dx")), v => Assert.Equal(0.0, v));
    }

    private static void Check(ScalarType dtype, Named inputs, string[] grads, Func<Named, Tensor> torchLoss,
        Func<NamedBuffers, float> f, Action<NamedBuffers, double> fb, Func<NamedBuffers, double, float> ffb,
        Func<NamedBuffers, double> d, Action<NamedBuffers, double> db, Func<NamedBuffers, double, double> dfb) =>
        LossCheck.Against(dtype, Upstream, inputs, grads, torchLoss, f, fb, ffb, d, db, dfb);
}
