using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading.Tasks;
using Xunit;

namespace LossGen.Tests.Runtime;

/// <summary>docs/getting-started.md's runtime behaviour: validation before writing, in-place gradients, strides, masking, NaN, allocation, threads.</summary>
public class BehaviorTests
{
    private const double Sentinel = 12345.0;

    private static double[] Random(int n, int seed, double scale = 3)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static double[] Filled(int n) => Enumerable.Repeat(Sentinel, n).ToArray();

    [Fact]
    public void Matches_an_independent_reference()
    {
        const int n = 7, c = 5;
        double[] x = Random(n * c, 1);
        int[] t = { 0, 4, 2, -100, 1, 3, 3 };
        double[] dx = new double[n * c];
        double loss = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<double>(dx, [n, c]), 0.5);

        double expected = 0;
        double[] grad = new double[n * c];
        for (int i = 0; i < n; i++)
        {
            if (t[i] != -100)
            {
                expected += Reference.CrossEntropyRow(x.AsSpan(i * c, c), t[i], grad.AsSpan(i * c, c), 0.5 / 6);
            }
        }

        Assert.Equal(expected / 6, loss, 12);
        for (int i = 0; i < grad.Length; i++)
        {
            Assert.Equal(grad[i], dx[i], 12);
        }
    }

    [Fact]
    public void Target_out_of_range_throws_before_writing()
    {
        double[] x = Random(12, 2);
        int[] t = { 0, 1, 4 };
        double[] dx = Filled(12);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            CrossEntropy.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [3]), new TensorSpan<double>(dx, [3, 4])));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("4", e.Message);
        Assert.Contains("t[2]", e.Message);
        Assert.All(dx, v => Assert.Equal(Sentinel, v));
    }

    [Fact]
    public void Negative_target_that_is_not_ignored_throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(new float[8], [2, 4]), new ReadOnlyTensorSpan<long>(new long[] { 1, -1 }, [2])));
        Assert.Contains("-1", e.Message);
        Assert.Contains("ignore index -100", e.Message);
    }

    [Fact]
    public void Wrong_shapes_name_argument_expected_and_actual()
    {
        double[] dx = Filled(12);
        var e = Assert.Throws<ArgumentException>(() =>
            CrossEntropy.Backward(new ReadOnlyTensorSpan<double>(new double[12], [3, 4]), new ReadOnlyTensorSpan<int>(new int[2], [2]), new TensorSpan<double>(dx, [3, 4])));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[2]", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            CrossEntropy.Backward(new ReadOnlyTensorSpan<double>(new double[12], [3, 4]), new ReadOnlyTensorSpan<int>(new int[3], [3]), new TensorSpan<double>(dx, [4, 3])));
        Assert.Equal("dx", e.ParamName);
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("[4, 3]", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            SoftCrossEntropy.Forward(new ReadOnlyTensorSpan<double>(new double[12], [3, 4]), new ReadOnlyTensorSpan<double>(new double[12], [2, 6])));
        Assert.Equal("y", e.ParamName);

        e = Assert.Throws<ArgumentException>(() =>
            WeightedCrossEntropy.Forward(new ReadOnlyTensorSpan<double>(new double[12], [3, 4]), new ReadOnlyTensorSpan<int>(new int[3], [3]), new ReadOnlyTensorSpan<double>(new double[3], [3])));
        Assert.Equal("w", e.ParamName);
        Assert.Contains("[4]", e.Message);

        double[] loss = Filled(3);
        e = Assert.Throws<ArgumentException>(() =>
            CrossEntropyNone.Forward(new ReadOnlyTensorSpan<double>(new double[12], [3, 4]), new ReadOnlyTensorSpan<int>(new int[3], [3]), new TensorSpan<double>(loss, [1, 3])));
        Assert.Equal("loss", e.ParamName);
        Assert.All(dx.Concat(loss), v => Assert.Equal(Sentinel, v));
    }

    [Fact]
    public void Compile_time_class_count_is_enforced()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            CrossEntropy4.Forward(new ReadOnlyTensorSpan<double>(new double[15], [3, 5]), new ReadOnlyTensorSpan<int>(new int[3], [3])));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("Classes = 4", e.Message);
    }

    [Fact]
    public void Unbatched_target_must_have_one_entry()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            CrossEntropy.Forward(new ReadOnlyTensorSpan<double>(new double[4], [4]), new ReadOnlyTensorSpan<int>(new int[2], [2])));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("[1]", e.Message);
    }

    [Fact]
    public void Overlapping_outputs_are_rejected_but_in_place_dx_is_allowed()
    {
        double[] buffer = Random(24, 3);
        int[] t = { 1, 2, 3 };
        double[] before = (double[])buffer.Clone();
        var e = Assert.Throws<ArgumentException>(() => CrossEntropy.Backward(new ReadOnlyTensorSpan<double>(buffer, 0, [3, 4], [4, 1]), new ReadOnlyTensorSpan<int>(t, [3]), new TensorSpan<double>(buffer, 2, [3, 4], [4, 1])));
        Assert.Equal("dx", e.ParamName);
        Assert.Equal(before, buffer);

        double[] y = Random(12, 4);
        e = Assert.Throws<ArgumentException>(() => SquaredError.ForwardBackward(new ReadOnlyTensorSpan<double>(buffer, 0, [3, 4], [4, 1]), new ReadOnlyTensorSpan<double>(y, [3, 4]),
            new TensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(new double[12], [3, 4]), new TensorSpan<double>(new double[12], [3, 4])));
        Assert.Equal("loss", e.ParamName);
    }

    [Fact]
    public void In_place_gradient_equals_out_of_place()
    {
        double[] x = Random(64 * 10, 5);
        int[] t = Enumerable.Range(0, 64).Select(i => i % 10).ToArray();
        double[] dx = new double[x.Length];
        double loss = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [64, 10]), new ReadOnlyTensorSpan<int>(t, [64]), new TensorSpan<double>(dx, [64, 10]));
        double[] inPlace = (double[])x.Clone();
        var view = new TensorSpan<double>(inPlace, [64, 10]);
        double loss2 = CrossEntropy.ForwardBackward(view, new ReadOnlyTensorSpan<int>(t, [64]), view);
        Assert.Equal(loss, loss2);
        Assert.Equal(dx, inPlace);
    }

    [Fact]
    public void Strided_and_channels_last_inputs_equal_dense()
    {
        const int n = 3, c = 5, h = 2, w = 4;
        double[] nchw = Random(n * c * h * w, 6);
        int[] t = Enumerable.Range(0, n * h * w).Select(i => (i * 7) % c).ToArray();
        double[] dDense = new double[nchw.Length];
        double dense = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(nchw, [n, c, h, w]), new ReadOnlyTensorSpan<int>(t, [n, h, w]), new TensorSpan<double>(dDense, [n, c, h, w]));

        // The same logits stored channels-last [n, h, w, c].
        double[] nhwc = new double[nchw.Length];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
                for (int a = 0; a < h; a++)
                    for (int b = 0; b < w; b++)
                        nhwc[((i * h + a) * w + b) * c + k] = nchw[((i * c + k) * h + a) * w + b];

        // (1) ClassAxis = -1 over the dense channels-last buffer.
        double[] dLast = new double[nhwc.Length];
        double last = CrossEntropyLast.ForwardBackward(new ReadOnlyTensorSpan<double>(nhwc, [n, h, w, c]), new ReadOnlyTensorSpan<int>(t, [n, h, w]), new TensorSpan<double>(dLast, [n, h, w, c]));
        Assert.Equal(dense, last, 14);

        // (2) The channels-last buffer viewed as [n, c, h, w] through strides (a permuted view).
        nint[] strides = [h * w * c, 1, w * c, c];
        double[] dStrided = new double[nhwc.Length];
        double strided = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(nhwc, 0, [n, c, h, w], strides), new ReadOnlyTensorSpan<int>(t, [n, h, w]), new TensorSpan<double>(dStrided, 0, [n, c, h, w], strides));
        Assert.Equal(dense, strided, 14);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
                for (int a = 0; a < h; a++)
                    for (int b = 0; b < w; b++)
                    {
                        double expected = dDense[((i * c + k) * h + a) * w + b];
                        Assert.Equal(expected, dLast[((i * h + a) * w + b) * c + k], 14);
                        Assert.Equal(expected, dStrided[((i * h + a) * w + b) * c + k], 14);
                    }
    }

    [Fact]
    public void All_ignored_mean_is_nan_with_zero_gradient_and_sum_is_zero()
    {
        double[] x = Random(8, 7);
        int[] t = { -100, -100 };
        double[] dx = Filled(8);
        double mean = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [2, 4]), new ReadOnlyTensorSpan<int>(t, [2]), new TensorSpan<double>(dx, [2, 4]));
        Assert.True(double.IsNaN(mean));
        Assert.All(dx, v => Assert.Equal(0.0, v));
        Assert.Equal(0.0, CrossEntropySum.Forward(new ReadOnlyTensorSpan<double>(x, [2, 4]), new ReadOnlyTensorSpan<int>(t, [2])));
    }

    [Fact]
    public void Minus_infinity_logits_are_masked_classes()
    {
        double[] x = { 1, double.NegativeInfinity, 2, double.NegativeInfinity };
        double[] dx = new double[4];
        double loss = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [4]), new ReadOnlyTensorSpan<int>(new[] { 2 }, [1]), new TensorSpan<double>(dx, [4]));
        double expected = Math.Log(Math.Exp(1) + Math.Exp(2)) - 2;
        Assert.Equal(expected, loss, 14);
        Assert.Equal(0.0, dx[1]);
        Assert.Equal(0.0, dx[3]);
        Assert.True(double.IsFinite(dx[0]) && double.IsFinite(dx[2]));
    }

    [Fact]
    public void Extreme_logits_stay_finite()
    {
        float[] x = { 1e4f, -1e4f, 0, 9e3f };
        float[] dx = new float[4];
        float loss = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(x, [1, 4]), new ReadOnlyTensorSpan<int>(new[] { 3 }, [1]), new TensorSpan<float>(dx, [1, 4]));
        Assert.Equal(1000f, loss, 2);
        Assert.Equal(1f, dx[0], 5);
        Assert.Equal(-1f, dx[3], 5);
    }

    [Fact]
    public void Nan_in_nan_out()
    {
        double[] x = { 1, double.NaN, 2, 3, 0, 1 };
        double[] loss = new double[2];
        double[] dx = new double[6];
        CrossEntropyNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [2, 3]), new ReadOnlyTensorSpan<int>(new[] { 0, 1 }, [2]), new TensorSpan<double>(loss, [2]), new ReadOnlyTensorSpan<double>(new[] { 1.0, 1.0 }, [2]), new TensorSpan<double>(dx, [2, 3]));
        Assert.True(double.IsNaN(loss[0]));
        Assert.True(dx.Take(3).All(double.IsNaN));
        Assert.True(double.IsFinite(loss[1]));
        Assert.True(dx.Skip(3).All(double.IsFinite));
    }

    [Fact]
    public void Calls_allocate_nothing()
    {
        float[] x = Array.ConvertAll(Random(256 * 10, 8), v => (float)v);
        int[] t = Enumerable.Range(0, 256).Select(i => i % 10).ToArray();
        float[] dx = new float[x.Length];
        float[] y = new float[x.Length];
        float[] loss = new float[x.Length];
        void Run()
        {
            CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(x, [256, 10]), new ReadOnlyTensorSpan<int>(t, [256]), new TensorSpan<float>(dx, [256, 10]));
            SoftCrossEntropy.Backward(new ReadOnlyTensorSpan<float>(x, [256, 10]), new ReadOnlyTensorSpan<float>(y, [256, 10]), new TensorSpan<float>(dx, [256, 10]), new TensorSpan<float>(loss, [256, 10]));
            SquaredError.ForwardBackward(new ReadOnlyTensorSpan<float>(x, [256, 10]), new ReadOnlyTensorSpan<float>(y, [256, 10]), new TensorSpan<float>(loss, [256, 10]), new ReadOnlyTensorSpan<float>(y, [256, 10]), new TensorSpan<float>(dx, [256, 10]));
        }

        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Concurrent_calls_agree_bit_for_bit()
    {
        double[] x = Random(512 * 33, 9);
        int[] t = Enumerable.Range(0, 512).Select(i => (i * 5) % 33).ToArray();
        double[] expectedGrad = new double[x.Length];
        double expected = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [512, 33]), new ReadOnlyTensorSpan<int>(t, [512]), new TensorSpan<double>(expectedGrad, [512, 33]));
        Parallel.For(0, 32, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            double[] dx = new double[x.Length];
            double loss = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [512, 33]), new ReadOnlyTensorSpan<int>(t, [512]), new TensorSpan<double>(dx, [512, 33]));
            Assert.Equal(expected, loss);
            Assert.Equal(expectedGrad, dx);
        });
    }

    [Fact]
    public void Int_and_long_targets_agree()
    {
        double[] x = Random(20, 10);
        double a = WeightedCrossEntropy.Forward(new ReadOnlyTensorSpan<double>(x, [5, 4]), new ReadOnlyTensorSpan<int>(new[] { 0, 1, 2, 3, -100 }, [5]), new ReadOnlyTensorSpan<double>(new[] { 1.0, 2, 3, 4 }, [4]));
        double b = WeightedCrossEntropy.Forward(new ReadOnlyTensorSpan<double>(x, [5, 4]), new ReadOnlyTensorSpan<long>(new long[] { 0, 1, 2, 3, -100 }, [5]), new ReadOnlyTensorSpan<double>(new[] { 1.0, 2, 3, 4 }, [4]));
        Assert.Equal(a, b);
    }

    [Fact]
    public void Empty_batch_mean_is_nan_and_sum_is_zero()
    {
        Assert.True(double.IsNaN(Mse.Forward(new ReadOnlyTensorSpan<double>(new double[0], [0, 3]), new ReadOnlyTensorSpan<double>(new double[0], [0, 3]))));
        Assert.Equal(0.0, CrossEntropySum.Forward(new ReadOnlyTensorSpan<double>(new double[0], [0, 3]), new ReadOnlyTensorSpan<int>(new int[0], [0])));
    }
}
