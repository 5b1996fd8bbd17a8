using System.Linq;
using System.Numerics.Tensors;
using LossGen.Conformance.Tests.Dsl;
using Xunit;

namespace LossGen.Conformance.Tests;

/// <summary>
/// The generated API called as a user writes it (docs/getting-started.md): one call per overload family, compiled against
/// the generated code, with named hyper-parameters and the optional <c>dloss</c>. The data-driven suite
/// binds methods by reflection; this file is what breaks the build when a signature drifts.
/// </summary>
public sealed class ApiSurfaceTests
{
    [Fact]
    public void ClassIndices_IntAndLong_DefaultDloss()
    {
        RefCase c = ReferenceData.Get("cross_entropy/index/4x5/mean/w0/ls0/ign0");
        var x = Ro<double>(c, "x");
        var t = Ints(c);
        var tl = Longs(c);
        double g = c.GradOutput.Data[0];
        var dx = new double[20];

        Expect(c, "loss", [CeIndexMean.Forward(x, t)]);
        Expect(c, "loss", [CeIndexMean.Forward(x, tl)]);
        CeIndexMean.Backward(x, t, new TensorSpan<double>(dx, [4, 5]));          // dloss = 1
        Expect(c, "grad_x", dx, scale: 1 / g);
        CeIndexMean.Backward(x, tl, new TensorSpan<double>(dx, [4, 5]), g);
        Expect(c, "grad_x", dx);
        Expect(c, "loss", [CeIndexMean.ForwardBackward(x, t, new TensorSpan<double>(dx, [4, 5]), dloss: g)]);
        Expect(c, "grad_x", dx);

        var dxf = new float[20];
        float lf = CeIndexMean.ForwardBackward(Ro<float>(c, "x"), tl, new TensorSpan<float>(dxf, [4, 5]), (float)g);
        Expect(c, "loss", [lf], Precision.Float32);
        Expect(c, "grad_x", dxf.Select(v => (double)v).ToArray(), Precision.Float32);
    }

    [Fact]
    public void ClassIndices_Weighted_Smoothed_Ignored()
    {
        RefCase c = ReferenceData.Get("cross_entropy/index/4x5/mean/w1/ls0.1/ign1");
        var x = Ro<double>(c, "x");
        var t = Ints(c);
        var w = Ro<double>(c, "w");
        double g = c.GradOutput.Data[0];
        var dx = new double[20];

        Expect(c, "loss", [CeIndexWeightedSmoothMeanIgnore.Forward(x, t, w, ls: 0.1)]);
        CeIndexWeightedSmoothMeanIgnore.Backward(x, t, w, new TensorSpan<double>(dx, [4, 5]), g, ls: 0.1);
        Expect(c, "grad_x", dx);
    }

    [Fact]
    public void Unreduced_UnbatchedSample_HasLossOfShape1()
    {
        RefCase c = ReferenceData.Get("cross_entropy/index/5/none/w0/ls0/ign0");
        var x = Ro<double>(c, "x");
        var t = new ReadOnlyTensorSpan<int>(new[] { (int)c.Inputs["t"].Data[0] }, [1]);
        var dloss = new ReadOnlyTensorSpan<double>(c.GradOutput.Data, [1]);
        double[] loss = new double[1], dx = new double[5];

        CeIndexNone.Forward(x, t, new TensorSpan<double>(loss, [1]));
        Expect(c, "loss", loss);
        CeIndexNone.Backward(x, t, dloss, new TensorSpan<double>(dx, [5]));
        Expect(c, "grad_x", dx);
        CeIndexNone.ForwardBackward(x, t, new TensorSpan<double>(loss, [1]), dloss, new TensorSpan<double>(dx, [5]));
        Expect(c, "loss", loss);
        Expect(c, "grad_x", dx);
    }

    [Fact]
    public void DenseTarget_WithDy_NamedHyperParameter()
    {
        RefCase c = ReferenceData.Get("huber_loss/4x5/mean/delta2");
        var x = Ro<double>(c, "x");
        var y = Ro<double>(c, "y");
        double g = c.GradOutput.Data[0];
        double[] dx = new double[20], dy = new double[20];

        Expect(c, "loss", [HuberMean.Forward(x, y, delta: 2.0)]);
        HuberMean.Backward(x, y, new TensorSpan<double>(dx, [4, 5]), g, delta: 2.0);
        Expect(c, "grad_x", dx);
        double l = HuberMean.ForwardBackward(x, y, new TensorSpan<double>(dx, [4, 5]), new TensorSpan<double>(dy, [4, 5]), g, delta: 2.0);
        Expect(c, "loss", [l]);
        Expect(c, "grad_x", dx);
        Expect(c, "grad_y", dy);

        float lf = HuberMean.Forward(Ro<float>(c, "x"), Ro<float>(c, "y"), delta: 2.0f);
        Expect(c, "loss", [lf], Precision.Float32);
    }

    [Fact]
    public void HyperParameter_Defaults()
    {
        RefCase c = ReferenceData.Get("huber_loss/4x5/sum/delta1");
        Expect(c, "loss", [HuberSum.Forward(Ro<double>(c, "x"), Ro<double>(c, "y"))]);

        RefCase f = ReferenceData.Get("sigmoid_focal_loss/4x5/sum/a0.25/g2");
        var x = Ro<double>(f, "x");
        var y = Ro<double>(f, "y");
        Expect(f, "loss", [SigmoidFocalSum.Forward(x, y)]);
        Expect(f, "loss", [SigmoidFocalSum.Forward(x, y, 0.25, 2.0)]);   // declared order: alpha, gamma
        Expect(f, "loss", [SigmoidFocalSum.Forward(x, y, gamma: 2.0, alpha: 0.25)]);
    }

    [Fact]
    public void Unreduced_DenseTarget_WithDy()
    {
        RefCase c = ReferenceData.Get("mse_loss/4x5/none");
        var x = Ro<double>(c, "x");
        var y = Ro<double>(c, "y");
        var dloss = new ReadOnlyTensorSpan<double>(c.GradOutput.Data, [4, 5]);
        double[] loss = new double[20], dx = new double[20], dy = new double[20];

        MseNone.Forward(x, y, new TensorSpan<double>(loss, [4, 5]));
        Expect(c, "loss", loss);
        MseNone.Backward(x, y, dloss, new TensorSpan<double>(dx, [4, 5]), new TensorSpan<double>(dy, [4, 5]));
        Expect(c, "grad_x", dx);
        Expect(c, "grad_y", dy);
        MseNone.ForwardBackward(x, y, new TensorSpan<double>(loss, [4, 5]), dloss, new TensorSpan<double>(dx, [4, 5]));
        Expect(c, "loss", loss);
        Expect(c, "grad_x", dx);
    }

    [Fact]
    public void DenseTarget_Weighted()
    {
        RefCase c = ReferenceData.Get("cross_entropy/prob/4x5/sum/w1/ls0.1");
        var x = Ro<double>(c, "x");
        var y = Ro<double>(c, "y");
        var w = Ro<double>(c, "w");
        double g = c.GradOutput.Data[0];
        double[] dx = new double[20], dy = new double[20];

        double l = CeProbWeightedSmoothSum.ForwardBackward(x, y, w, new TensorSpan<double>(dx, [4, 5]), new TensorSpan<double>(dy, [4, 5]), g, ls: 0.1);
        Expect(c, "loss", [l]);
        Expect(c, "grad_x", dx);
        Expect(c, "grad_y", dy);
    }

    internal static ReadOnlyTensorSpan<T> Ro<T>(RefCase c, string input) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        RefTensor r = c.Inputs[input];
        return new ReadOnlyTensorSpan<T>(r.Data.Select(v => T.CreateChecked(v)).ToArray(), r.Shape.Select(s => (nint)s).ToArray());
    }

    internal static ReadOnlyTensorSpan<int> Ints(RefCase c) =>
        new(c.Inputs["t"].Data.Select(v => (int)v).ToArray(), c.Inputs["t"].Shape.Select(s => (nint)s).ToArray());

    internal static ReadOnlyTensorSpan<long> Longs(RefCase c) =>
        new(c.Inputs["t"].Data.Select(v => (long)v).ToArray(), c.Inputs["t"].Shape.Select(s => (nint)s).ToArray());

    internal static void Expect(RefCase c, string output, double[] actual, Precision precision = Precision.Float64, double scale = 1)
    {
        RefTensor r = c.Outputs[output];
        var check = new Mismatches(c.Id, $"{nameof(ApiSurfaceTests)} {output}", precision);
        check.Compare(output, actual, r.Data, r.Shape, scale);
        check.ThrowIfAny();
    }
}
