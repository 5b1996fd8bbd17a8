using System.Numerics.Tensors;
using LossGen.Conformance.Tests.Canned;
using Xunit;
using static LossGen.Conformance.Tests.ApiSurfaceTests;

namespace LossGen.Conformance.Tests;

/// <summary>
/// Canned losses called as a user writes them (docs/getting-started.md), compiled against the generated code: parameter names
/// (<c>posWeight</c>), the optional <c>dloss</c>, the dy overloads. The data-driven canned suite binds by reflection;
/// this file is what breaks the build when a canned signature drifts.
/// </summary>
public sealed class CannedApiSurfaceTests
{
    /// <summary>The forum example: probabilities fed to cross_entropy as if they were logits print 0.9488.</summary>
    [Fact]
    public void CrossEntropy_Defaults_ForumExample()
    {
        RefCase c = ReferenceData.Get("seed/probabilities-as-logits/cross_entropy/mean");
        var x = Ro<double>(c, "x");
        double loss = CrossEntropyIndexMean.Forward(x, Ints(c));
        Expect(c, "loss", [loss]);
        Assert.Equal(0.9488, loss, 4);

        var dx = new double[12];
        Expect(c, "loss", [CrossEntropyIndexMean.ForwardBackward(x, Longs(c), new TensorSpan<double>(dx, [1, 3, 2, 2]), dloss: c.GradOutput.Data[0])]);
        Expect(c, "grad_x", dx);
    }

    /// <summary>nll_loss of log-probabilities with reduction sum: the forum's 2.8824.</summary>
    [Fact]
    public void NllLoss_Sum_ForumExample()
    {
        RefCase c = ReferenceData.Get("seed/nll_of_log_probs/sum");
        double loss = NllSum.Forward(Ro<double>(c, "x"), Ints(c));
        Expect(c, "loss", [loss]);
        Assert.Equal(2.8824, loss, 4);
    }

    [Fact]
    public void BceWithLogits_WeightAndPosWeight_NamedParameters()
    {
        RefCase c = ReferenceData.Get("binary_cross_entropy_with_logits/4x5/mean/w1/pw1");
        var x = Ro<double>(c, "x");
        var y = Ro<double>(c, "y");
        var w = Ro<double>(c, "w");
        var posWeight = Ro<double>(c, "pos_weight");
        double g = c.GradOutput.Data[0];
        double[] dx = new double[20], dy = new double[20];

        Expect(c, "loss", [BceWithLogitsWeightedPosWeightedMean.Forward(x, y, w, posWeight: posWeight)]);
        BceWithLogitsWeightedPosWeightedMean.Backward(x, y, w, posWeight, new TensorSpan<double>(dx, [4, 5]), dloss: g);
        Expect(c, "grad_x", dx);
        double l = BceWithLogitsWeightedPosWeightedMean.ForwardBackward(x: x, y: y, w: w, posWeight: posWeight,
            dx: new TensorSpan<double>(dx, [4, 5]), dy: new TensorSpan<double>(dy, [4, 5]), dloss: g);
        Expect(c, "loss", [l]);
        Expect(c, "grad_x", dx);
        Expect(c, "grad_y", dy);

        float lf = BceWithLogitsWeightedPosWeightedMean.Forward(Ro<float>(c, "x"), Ro<float>(c, "y"), Ro<float>(c, "w"), Ro<float>(c, "pos_weight"));
        Expect(c, "loss", [lf], Precision.Float32);
    }

    [Fact]
    public void Unreduced_Bce_HasNoDyOverload()
    {
        RefCase c = ReferenceData.Get("binary_cross_entropy/4x5/none/w1");
        var dloss = new ReadOnlyTensorSpan<double>(c.GradOutput.Data, [4, 5]);
        double[] loss = new double[20], dx = new double[20];
        BceWeightedNone.ForwardBackward(Ro<double>(c, "x"), Ro<double>(c, "y"), Ro<double>(c, "w"),
            new TensorSpan<double>(loss, [4, 5]), dloss, new TensorSpan<double>(dx, [4, 5]));
        Expect(c, "loss", loss);
        Expect(c, "grad_x", dx);
        Assert.False(CannedConformanceTests.HasDyOverload(typeof(BceWeightedNone)));
        Assert.True(CannedConformanceTests.HasDyOverload(typeof(BceWithLogitsNone)));
    }
}
