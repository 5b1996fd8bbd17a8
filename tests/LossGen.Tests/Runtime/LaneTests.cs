using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace LossGen.Tests.Runtime;

/// <summary>
/// The kernels' fast paths (positions in lanes for short class axes, vectors of classes for long ones, vectorised
/// elementwise loops) against an independent reference and against the scalar path that strided views take.
/// </summary>
public class LaneTests
{
    private static double[] Random(int n, int seed) => Enumerable.Range(0, n).Select(i => new Random(seed + i).NextDouble() * 6 - 3).ToArray();

    [Theory]
    [InlineData(37, 5, 20)]
    [InlineData(64, 3, -1)]
    [InlineData(33, 15, 31)]
    [InlineData(19, 1000, 4)]
    [InlineData(9, 37, -1)]
    public void Cross_entropy_matches_reference_in_both_precisions(int n, int c, int ignoredAt)
    {
        double[] x = Random(n * c, n + c);
        int[] t = Enumerable.Range(0, n).Select(i => i == ignoredAt ? -100 : (i * 7 + 3) % c).ToArray();
        int counted = t.Count(v => v != -100);
        double expected = 0;
        double[] grad = new double[n * c];
        for (int i = 0; i < n; i++)
        {
            if (t[i] != -100)
            {
                expected += Reference.CrossEntropyRow(x.AsSpan(i * c, c), t[i], grad.AsSpan(i * c, c), 1.0 / counted);
            }
        }

        expected /= counted;
        double[] dx = new double[n * c];
        double loss = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<double>(dx, [n, c]));
        Assert.Equal(expected, loss, 1e-12);
        for (int i = 0; i < dx.Length; i++)
        {
            Assert.Equal(grad[i], dx[i], 1e-12);
        }

        float[] xf = Array.ConvertAll(x, v => (float)v);
        float[] dxf = new float[n * c];
        float lossf = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(xf, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<float>(dxf, [n, c]));
        Assert.Equal(expected, lossf, 1e-5 * Math.Max(1, Math.Abs(expected)));
        for (int i = 0; i < dxf.Length; i++)
        {
            Assert.Equal(grad[i], dxf[i], 2e-6);
        }
    }

    /// <summary>The same logits as a dense [N, C] view and as a transposed (strided) view of a [C, N] buffer.</summary>
    private static (double[] Dense, double[] Transposed) Layouts(int n, int c, int seed)
    {
        double[] dense = Random(n * c, seed);
        double[] transposed = new double[n * c];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
                transposed[k * n + i] = dense[i * c + k];
        return (dense, transposed);
    }

    private static double[] Untranspose(double[] transposed, int n, int c)
    {
        double[] dense = new double[n * c];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
                dense[i * c + k] = transposed[k * n + i];
        return dense;
    }

    [Theory]
    [InlineData(29, 4)]
    [InlineData(40, 9)]
    [InlineData(21, 40)]
    public void Fast_paths_equal_the_strided_path(int n, int c)
    {
        (double[] x, double[] xT) = Layouts(n, c, 1);
        (double[] y, double[] yT) = Layouts(n, c, 2);
        nint[] strides = [1, n];
        int[] t = Enumerable.Range(0, n).Select(i => (i * 5) % c).ToArray();
        double[] dloss = Random(n, 3);

        // Soft-label cross entropy (rows) with dy.
        double[] dx = new double[n * c], dy = new double[n * c], dxT = new double[n * c], dyT = new double[n * c];
        double a = SoftCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<double>(y, [n, c]), new TensorSpan<double>(dx, [n, c]), new TensorSpan<double>(dy, [n, c]), 0.7);
        double b = SoftCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(xT, 0, [n, c], strides), new ReadOnlyTensorSpan<double>(yT, 0, [n, c], strides), new TensorSpan<double>(dxT, 0, [n, c], strides), new TensorSpan<double>(dyT, 0, [n, c], strides), 0.7);
        Assert.Equal(b, a, 1e-12);
        AssertClose(Untranspose(dxT, n, c), dx);
        AssertClose(Untranspose(dyT, n, c), dy);

        // Cross entropy without reduction: per-position loss and upstream gradient.
        double[] loss = new double[n], lossT = new double[n];
        CrossEntropyNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<double>(loss, [n]), new ReadOnlyTensorSpan<double>(dloss, [n]), new TensorSpan<double>(dx, [n, c]));
        CrossEntropyNone.ForwardBackward(new ReadOnlyTensorSpan<double>(xT, 0, [n, c], strides), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<double>(lossT, [n]), new ReadOnlyTensorSpan<double>(dloss, [n]), new TensorSpan<double>(dxT, 0, [n, c], strides));
        AssertClose(lossT, loss);
        AssertClose(Untranspose(dxT, n, c), dx);

        // Weighted mean with per-class weights.
        double[] w = Enumerable.Range(0, c).Select(k => 0.5 + k % 3).ToArray();
        a = WeightedCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new ReadOnlyTensorSpan<double>(w, [c]), new TensorSpan<double>(dx, [n, c]));
        b = WeightedCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(xT, 0, [n, c], strides), new ReadOnlyTensorSpan<int>(t, [n]), new ReadOnlyTensorSpan<double>(w, [c]), new TensorSpan<double>(dxT, 0, [n, c], strides));
        Assert.Equal(b, a, 1e-12);
        AssertClose(Untranspose(dxT, n, c), dx);

        // Elementwise loss, no reduction, with upstream gradients per element.
        double[] dlossFull = Random(n * c, 4);
        double[] dlossFullT = Layouts(n, c, 4).Transposed;
        double[] le = new double[n * c], leT = new double[n * c];
        SquaredError.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<double>(y, [n, c]), new TensorSpan<double>(le, [n, c]), new ReadOnlyTensorSpan<double>(dlossFull, [n, c]), new TensorSpan<double>(dx, [n, c]));
        SquaredError.ForwardBackward(new ReadOnlyTensorSpan<double>(xT, 0, [n, c], strides), new ReadOnlyTensorSpan<double>(yT, 0, [n, c], strides), new TensorSpan<double>(leT, 0, [n, c], strides), new ReadOnlyTensorSpan<double>(dlossFullT, 0, [n, c], strides), new TensorSpan<double>(dxT, 0, [n, c], strides));
        AssertClose(Untranspose(leT, n, c), le);
        AssertClose(Untranspose(dxT, n, c), dx);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-12);
        }
    }
}
