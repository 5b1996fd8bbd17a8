using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading.Tasks;
using Xunit;

namespace LossGen.Property.Tests.Runtime;

/// <summary>
/// What tests/LossGen.Tests/Runtime/BehaviorTests.cs does not already cover: every bad-argument path of docs/getting-started.md across
/// loss kinds (each throwing before anything is written), empty batches and single classes, extreme and masked logits,
/// all-ignored batches, NaN propagation, and concurrent calls on several kinds of loss.
/// </summary>
public class RobustnessTests
{
    private const double Sentinel = -777.25;

    private static double[] Random(int n, int seed, double scale = 2)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static double[] Probabilities(int n, int seed) => Random(n, seed, 1).Select(v => 0.5 + 0.45 * v).ToArray();

    private static double[] Filled(int n) => Enumerable.Repeat(Sentinel, n).ToArray();

    private static nint[] Shape(params int[] lengths) => lengths.Select(l => (nint)l).ToArray();

    private static void Untouched(params double[][] outputs)
    {
        foreach (double[] output in outputs)
        {
            Assert.All(output, v => Assert.Equal(Sentinel, v));
        }
    }

    /// <summary>Runs <paramref name="call"/>; it must throw <typeparamref name="TException"/> naming <paramref name="parameter"/> with every output untouched.</summary>
    private static TException Rejects<TException>(string parameter, Action call, double[][] outputs, params string[] messageParts)
        where TException : ArgumentException
    {
        TException e = Assert.Throws<TException>(call);
        Assert.Equal(parameter, e.ParamName);
        foreach (string part in messageParts)
        {
            Assert.Contains(part, e.Message);
        }

        Untouched(outputs);
        return e;
    }

    // ---- Wrong ranks and shapes, every argument, every kind ----

    [Fact]
    public void Class_index_loss_rejects_every_wrong_shape_before_writing()
    {
        double[] x = Random(12, 1), dx = Filled(12), loss = Filled(3);
        int[] t = { 0, 1, 2 };
        double[][] outputs = { dx, loss };
        Rejects<ArgumentException>("t", () => CrossEntropy.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [1, 3]), new TensorSpan<double>(dx, [3, 4])), outputs, "[3]", "[1, 3]");
        Rejects<ArgumentException>("dx", () => CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [3]), new TensorSpan<double>(dx, [12])), outputs, "[3, 4]", "[12]");
        Rejects<ArgumentException>("loss", () => CrossEntropyNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [3]), new TensorSpan<double>(loss, [2]), new ReadOnlyTensorSpan<double>(new double[3], [3]), new TensorSpan<double>(dx, [3, 4])), outputs, "[3]", "[2]");
        Rejects<ArgumentException>("dloss", () => CrossEntropyNone.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [3]), new ReadOnlyTensorSpan<double>(new double[4], [4]), new TensorSpan<double>(dx, [3, 4])), outputs, "[3]", "[4]");
        Rejects<ArgumentException>("x", () => CrossEntropyAxis2.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [3]), new TensorSpan<double>(dx, [3, 4])), outputs, "class axis 2", "[3, 4]");
        Rejects<ArgumentException>("x", () => CrossEntropy3.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [3]), new TensorSpan<double>(dx, [3, 4])), outputs, "Classes = 3");

        // Rank 17: one more than a tensor may have.
        double[] one = new double[1];
        nint[] rank17 = Enumerable.Repeat((nint)1, 17).ToArray();
        Rejects<ArgumentException>("x", () => CrossEntropy.Forward(new ReadOnlyTensorSpan<double>(one, rank17), new ReadOnlyTensorSpan<int>(new int[1], Enumerable.Repeat((nint)1, 16).ToArray())), outputs, "rank");
        Rejects<ArgumentException>("x", () => SquaredError.Forward(new ReadOnlyTensorSpan<double>(one, rank17), new ReadOnlyTensorSpan<double>(one, rank17), new TensorSpan<double>(loss, 0, rank17, new nint[17])), outputs, "rank");
    }

    [Fact]
    public void Weighted_and_soft_label_losses_reject_every_wrong_shape_before_writing()
    {
        double[] x = Random(12, 2), y = Probabilities(12, 3), w = { 1, 2, 3, 4 }, dx = Filled(12), dy = Filled(12), loss = Filled(12);
        int[] t = { 0, 1, 2 };
        double[][] outputs = { dx, dy, loss };
        Rejects<ArgumentException>("w", () => WeightedCrossEntropy.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [3]), new ReadOnlyTensorSpan<double>(w, [2, 2]), new TensorSpan<double>(dx, [3, 4])), outputs, "[4]", "[2, 2]");
        Rejects<ArgumentException>("w", () => WeightedCrossEntropy.Forward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(t, [3]), new ReadOnlyTensorSpan<double>(w, 0, [3], [1])), outputs, "[4]", "[3]");
        Rejects<ArgumentException>("y", () => SoftCrossEntropy.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [4, 3]), new TensorSpan<double>(dx, [3, 4]), new TensorSpan<double>(dy, [3, 4])), outputs, "[3, 4]", "[4, 3]");
        Rejects<ArgumentException>("dy", () => SoftCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new TensorSpan<double>(dx, [3, 4]), new TensorSpan<double>(dy, [12])), outputs, "[3, 4]", "[12]");
        Rejects<ArgumentException>("loss", () => SoftCrossEntropyNone.Forward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new TensorSpan<double>(loss, [3, 4])), outputs, "[3]", "[3, 4]");
        Rejects<ArgumentException>("y", () => SquaredError.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [12]), new TensorSpan<double>(loss, [3, 4]), new ReadOnlyTensorSpan<double>(new double[12], [3, 4]), new TensorSpan<double>(dx, [3, 4])), outputs, "[3, 4]", "[12]");
        Rejects<ArgumentException>("dloss", () => SquaredError.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(new double[3], [3]), new TensorSpan<double>(dx, [3, 4])), outputs, "[3, 4]", "[3]");
    }

    [Fact]
    public void Canned_loss_with_weights_and_positive_weights_rejects_every_wrong_shape_before_writing()
    {
        double[] x = Random(12, 4), y = Probabilities(12, 5), w = Probabilities(12, 6), pos = { 1, 2, 3, 4 }, dx = Filled(12), dy = Filled(12), loss = Filled(12), dloss = new double[12];
        double[][] outputs = { dx, dy, loss };
        Rejects<ArgumentException>("w", () => BceWithLogits.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, 0, [4], [1]), new ReadOnlyTensorSpan<double>(pos, [4]), new TensorSpan<double>(dx, [3, 4])), outputs, "[3, 4]", "[4]");
        Rejects<ArgumentException>("posWeight", () => BceWithLogits.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(pos, 0, [3], [1]), new TensorSpan<double>(dx, [3, 4])), outputs, "[4]", "[3]");
        Rejects<ArgumentException>("y", () => BceWithLogitsNone.Forward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [2, 6]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(pos, [4]), new TensorSpan<double>(loss, [3, 4])), outputs, "[3, 4]", "[2, 6]");
        Rejects<ArgumentException>("loss", () => BceWithLogitsNone.Forward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(pos, [4]), new TensorSpan<double>(loss, [4, 3])), outputs, "[3, 4]", "[4, 3]");
        Rejects<ArgumentException>("dloss", () => BceWithLogitsNone.Backward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(pos, [4]), new ReadOnlyTensorSpan<double>(dloss, [12]), new TensorSpan<double>(dx, [3, 4])), outputs, "[3, 4]", "[12]");
        Rejects<ArgumentException>("dy", () => BceWithLogitsNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(pos, [4]), new TensorSpan<double>(loss, [3, 4]), new ReadOnlyTensorSpan<double>(dloss, [3, 4]), new TensorSpan<double>(dx, [3, 4]), new TensorSpan<double>(dy, [4, 3])), outputs, "[3, 4]", "[4, 3]");
    }

    // ---- Class indices out of range ----

    [Fact]
    public void Out_of_range_targets_throw_naming_position_and_value_before_writing()
    {
        double[] x = Random(24, 7), w = { 1, 2, 3, 4 }, dx = Filled(24), loss = Filled(6);
        double[][] outputs = { dx, loss };

        // The bad index is the last one, so a kernel that wrote row by row would already have written.
        var e = Rejects<ArgumentOutOfRangeException>("t", () => Focal.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [6, 4]), new ReadOnlyTensorSpan<int>(new[] { 0, 1, 2, 3, -100, 4 }, [6]), new TensorSpan<double>(dx, [6, 4])), outputs, "t[5]", "4");
        Assert.Equal(4L, Convert.ToInt64(e.ActualValue));
        Rejects<ArgumentOutOfRangeException>("t", () => WeightedCrossEntropyNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [6, 4]), new ReadOnlyTensorSpan<long>(new long[] { 0, 1, 2, 3, 0, -7 }, [6]), new ReadOnlyTensorSpan<double>(w, [4]), new TensorSpan<double>(loss, [6]), new ReadOnlyTensorSpan<double>(new double[6], [6]), new TensorSpan<double>(dx, [6, 4])), outputs, "t[5]", "-7");

        // A long index that an int cast would wrap to a valid class (2^32 + 1 -> 1) or to the ignore index.
        Rejects<ArgumentOutOfRangeException>("t", () => CrossEntropy.Backward(new ReadOnlyTensorSpan<double>(x, [6, 4]), new ReadOnlyTensorSpan<long>(new long[] { 0, 1, 2, 3, 0, (1L << 32) + 1 }, [6]), new TensorSpan<double>(dx, [6, 4])), outputs, "t[5]", "4294967297");
        Rejects<ArgumentOutOfRangeException>("t", () => CrossEntropy.Backward(new ReadOnlyTensorSpan<double>(x, [6, 4]), new ReadOnlyTensorSpan<long>(new long[] { 0, 1, 2, 3, 0, (1L << 32) - 100 }, [6]), new TensorSpan<double>(dx, [6, 4])), outputs, "t[5]");

        // Position of a multi-dimensional target: [n, d1] with classes last.
        Rejects<ArgumentOutOfRangeException>("t", () => CrossEntropyLast.Forward(new ReadOnlyTensorSpan<double>(x, [2, 3, 4]), new ReadOnlyTensorSpan<int>(new[] { 0, 1, 2, 3, 9, 0 }, [2, 3])), outputs, "t[1, 1]", "9");
    }

    // ---- Overlapping memory ----

    [Fact]
    public void Outputs_overlapping_inputs_or_each_other_are_rejected_and_only_dx_over_x_is_allowed()
    {
        double[] buffer = Filled(64);
        double[] y = Probabilities(12, 8), w = Probabilities(12, 9), pos = { 1, 2, 3, 4 };
        Random(12, 10).CopyTo(buffer, 0);
        double[] before = (double[])buffer.Clone();

        // dy over y (only dx over x may alias).
        double[] yBuffer = (double[])y.Clone();
        var e = Assert.Throws<ArgumentException>(() => SoftCrossEntropy.Backward(new ReadOnlyTensorSpan<double>(buffer, 0, [3, 4], [4, 1]), new ReadOnlyTensorSpan<double>(yBuffer, [3, 4]), new TensorSpan<double>(buffer, 12, [3, 4], [4, 1]), new TensorSpan<double>(yBuffer, [3, 4])));
        Assert.Equal("dy", e.ParamName);
        Assert.Equal(y, yBuffer);

        // dx and dy over each other.
        e = Assert.Throws<ArgumentException>(() => SoftCrossEntropy.Backward(new ReadOnlyTensorSpan<double>(buffer, 0, [3, 4], [4, 1]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new TensorSpan<double>(buffer, 12, [3, 4], [4, 1]), new TensorSpan<double>(buffer, 18, [3, 4], [4, 1])));
        Assert.True(e.ParamName is "dx" or "dy", e.ParamName);
        Assert.Equal(before, buffer);

        // loss over dx.
        e = Assert.Throws<ArgumentException>(() => SquaredError.ForwardBackward(new ReadOnlyTensorSpan<double>(buffer, 0, [3, 4], [4, 1]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new TensorSpan<double>(buffer, 20, [3, 4], [4, 1]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new TensorSpan<double>(buffer, 24, [3, 4], [4, 1])));
        Assert.True(e.ParamName is "loss" or "dx", e.ParamName);
        Assert.Equal(before, buffer);

        // loss over dloss; dx over w; dx over posWeight.
        double[] shared = Filled(12);
        e = Assert.Throws<ArgumentException>(() => SquaredError.ForwardBackward(new ReadOnlyTensorSpan<double>(buffer, 0, [3, 4], [4, 1]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new TensorSpan<double>(shared, [3, 4]), new ReadOnlyTensorSpan<double>(shared, [3, 4]), new TensorSpan<double>(buffer, 24, [3, 4], [4, 1])));
        Assert.Equal("loss", e.ParamName);
        Untouched(shared);
        double[] weights = (double[])w.Clone();
        e = Assert.Throws<ArgumentException>(() => BceWithLogits.Backward(new ReadOnlyTensorSpan<double>(buffer, 0, [3, 4], [4, 1]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(weights, [3, 4]), new ReadOnlyTensorSpan<double>(pos, [4]), new TensorSpan<double>(weights, [3, 4])));
        Assert.Equal("dx", e.ParamName);
        Assert.Equal(w, weights);
        double[] positive = new double[12];
        pos.CopyTo(positive, 8);
        e = Assert.Throws<ArgumentException>(() => BceWithLogits.Backward(new ReadOnlyTensorSpan<double>(buffer, 0, [3, 4], [4, 1]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(positive, 8, [4], [1]), new TensorSpan<double>(positive, [3, 4])));
        Assert.Equal("dx", e.ParamName);

        // dx exactly over x is the in-place gradient, for every kind.
        double[] x = Random(12, 11);
        double[] expected = new double[12];
        double reference = BceWithLogits.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(pos, [4]), new TensorSpan<double>(expected, [3, 4]));
        var inPlace = new TensorSpan<double>(x, [3, 4]);
        double value = BceWithLogits.ForwardBackward(inPlace, new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(pos, [4]), inPlace);
        Assert.Equal(reference, value);
        Assert.Equal(expected, x);
    }

    // ---- Empty batches and single classes ----

    [Fact]
    public void Empty_batches_give_nan_means_zero_sums_and_write_nothing()
    {
        double[] none = Array.Empty<double>();
        var x = new ReadOnlyTensorSpan<double>(none, [0, 4]);
        var t = new ReadOnlyTensorSpan<int>(Array.Empty<int>(), [0]);
        Assert.True(double.IsNaN(CrossEntropy.ForwardBackward(x, t, new TensorSpan<double>(none, [0, 4]))));
        Assert.Equal(0.0, CrossEntropySum.ForwardBackward(x, t, new TensorSpan<double>(none, [0, 4])));
        Assert.True(double.IsNaN(Focal.Forward(x, t)));
        Assert.True(double.IsNaN(WeightedCrossEntropy.Forward(x, t, new ReadOnlyTensorSpan<double>(new double[] { 1, 1, 1, 1 }, [4]))));
        Assert.True(double.IsNaN(SoftCrossEntropy.ForwardBackward(x, x, new TensorSpan<double>(none, [0, 4]), new TensorSpan<double>(none, [0, 4]))));
        Assert.Equal(0.0, MseSum.ForwardBackward(x, x, new TensorSpan<double>(none, [0, 4])));
        Assert.True(double.IsNaN(BceWithLogits.ForwardBackward(x, x, x, new ReadOnlyTensorSpan<double>(new double[] { 1, 1, 1, 1 }, [4]), new TensorSpan<double>(none, [0, 4]))));
        CrossEntropyNone.ForwardBackward(x, t, new TensorSpan<double>(none, [0]), new ReadOnlyTensorSpan<double>(none, [0]), new TensorSpan<double>(none, [0, 4]));
        BceWithLogitsNone.ForwardBackward(x, x, x, new ReadOnlyTensorSpan<double>(new double[] { 1, 1, 1, 1 }, [4]), new TensorSpan<double>(none, [0, 4]), x, new TensorSpan<double>(none, [0, 4]), new TensorSpan<double>(none, [0, 4]));

        // Zero classes: nothing to pick from, so any target is out of range; with no positions nothing is checked.
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropy.Forward(new ReadOnlyTensorSpan<double>(none, [2, 0]), new ReadOnlyTensorSpan<int>(new[] { 0, 0 }, [2])));
    }

    [Fact]
    public void A_single_class_has_zero_loss_and_gradient_where_the_math_says_so()
    {
        double[] x = { 3, -2, 0.5 }, y = { 1, 1, 1 }, dx = Filled(3), dy = Filled(3);
        int[] t = { 0, 0, 0 };
        Assert.Equal(0.0, CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 1]), new ReadOnlyTensorSpan<int>(t, [3]), new TensorSpan<double>(dx, [3, 1])));
        Assert.All(dx, v => Assert.Equal(0.0, v));
        Assert.Equal(0.0, Focal.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 1]), new ReadOnlyTensorSpan<int>(t, [3]), new TensorSpan<double>(dx, [3, 1])));
        Assert.All(dx, v => Assert.Equal(0.0, v));
        Assert.Equal(0.0, SoftCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 1]), new ReadOnlyTensorSpan<double>(y, [3, 1]), new TensorSpan<double>(dx, [3, 1]), new TensorSpan<double>(dy, [3, 1])));
        Assert.All(dx, v => Assert.Equal(0.0, v));
        Assert.All(dy, v => Assert.Equal(0.0, v)); // -log_softmax of one class is 0
        dx = Filled(3);
        double ce = WeightedCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [1, 1, 3]), new ReadOnlyTensorSpan<int>(t, [1, 3]), new ReadOnlyTensorSpan<double>(new double[] { 2.0 }, [1]), new TensorSpan<double>(dx, [1, 1, 3]));
        Assert.Equal(0.0, ce);
        Assert.All(dx, v => Assert.Equal(0.0, v));

        // Binary cross entropy with one class along the last axis.
        double v = BceWithLogits.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 1]), new ReadOnlyTensorSpan<double>(y, [3, 1]), new ReadOnlyTensorSpan<double>(y, [3, 1]), new ReadOnlyTensorSpan<double>(new double[] { 2 }, [1]), new TensorSpan<double>(dx, [3, 1]));
        double expected = x.Select(a => 2 * Math.Log(1 + Math.Exp(-a))).Average();
        Assert.Equal(expected, v, 12);
    }

    // ---- Extreme and masked logits ----

    [Fact]
    public void Logits_of_plus_and_minus_ten_thousand_stay_finite_and_right()
    {
        double[] x = { 1e4, -1e4, 0, -1e4, 1e4, 1e4 };
        double[] y = { 0.25, 0.25, 0.5, 0, 0.5, 0.5 };
        double[] dx = new double[6], dy = new double[6];
        int[] t = { 1, 0 };

        // Class indices: the loss is the gap to the largest logit.
        double ce = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [2, 3]), new ReadOnlyTensorSpan<int>(t, [2]), new TensorSpan<double>(dx, [2, 3]));
        Assert.Equal(2e4 + Math.Log(2) / 2, ce, 9);
        Assert.All(dx, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(-0.5, dx[1], 12);
        Assert.Equal(0.5, dx[0], 12);

        double focal = Focal.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [2, 3]), new ReadOnlyTensorSpan<int>(t, [2]), new TensorSpan<double>(dx, [2, 3]));
        Assert.True(double.IsFinite(focal) && dx.All(double.IsFinite));

        double soft = SoftCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [2, 3]), new ReadOnlyTensorSpan<double>(y, [2, 3]), new TensorSpan<double>(dx, [2, 3]), new TensorSpan<double>(dy, [2, 3]));
        Assert.True(double.IsFinite(soft) && dx.All(double.IsFinite) && dy.All(double.IsFinite));

        double bce = BceWithLogits.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [2, 3]), new ReadOnlyTensorSpan<double>(y, [2, 3]), new ReadOnlyTensorSpan<double>(y, [2, 3]), new ReadOnlyTensorSpan<double>(new double[] { 1, 2, 3 }, [3]), new TensorSpan<double>(dx, [2, 3]));
        Assert.True(double.IsFinite(bce) && dx.All(double.IsFinite));

        float[] xf = x.Select(v => (float)v).ToArray(), dxf = new float[6];
        float cef = CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(xf, [2, 3]), new ReadOnlyTensorSpan<int>(t, [2]), new TensorSpan<float>(dxf, [2, 3]));
        Assert.Equal((float)(2e4 + Math.Log(2) / 2), cef, 1);
        Assert.All(dxf, v => Assert.True(float.IsFinite(v)));
        float bcef = BceWithLogits.ForwardBackward(new ReadOnlyTensorSpan<float>(xf, [2, 3]), new ReadOnlyTensorSpan<float>(y.Select(v => (float)v).ToArray(), [2, 3]), new ReadOnlyTensorSpan<float>(y.Select(v => (float)v).ToArray(), [2, 3]), new ReadOnlyTensorSpan<float>(new float[] { 1, 2, 3 }, [3]), new TensorSpan<float>(dxf, [2, 3]));
        Assert.True(float.IsFinite(bcef) && dxf.All(float.IsFinite));
    }

    [Fact]
    public void Minus_infinity_logits_are_masked_classes_in_every_layout()
    {
        double ninf = double.NegativeInfinity;

        // Channels-last, two positions, the second class masked everywhere.
        double[] x = { 1, ninf, 2, 0.5, ninf, -1 };
        double[] dx = Filled(6);
        double loss = CrossEntropyLast.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [1, 2, 3]), new ReadOnlyTensorSpan<int>(new[] { 0, 2 }, [1, 2]), new TensorSpan<double>(dx, [1, 2, 3]));
        double l0 = Math.Log(Math.Exp(1) + Math.Exp(2)) - 1, l1 = Math.Log(Math.Exp(0.5) + Math.Exp(-1)) + 1;
        Assert.Equal((l0 + l1) / 2, loss, 12);
        Assert.Equal(0.0, dx[1]);
        Assert.Equal(0.0, dx[4]);
        Assert.Equal(0.0, dx.Sum(), 12);

        // Weighted, and focal: masked classes get no gradient either.
        dx = Filled(6);
        double weighted = WeightedCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [2, 3]), new ReadOnlyTensorSpan<int>(new[] { 0, 2 }, [2]), new ReadOnlyTensorSpan<double>(new double[] { 1, 5, 3 }, [3]), new TensorSpan<double>(dx, [2, 3]));
        Assert.Equal((l0 + 3 * l1) / 4, weighted, 12);
        Assert.Equal(0.0, dx[1]);
        Assert.Equal(0.0, dx[4]);
        dx = Filled(6);
        double focal = Focal.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [2, 3]), new ReadOnlyTensorSpan<int>(new[] { 0, 2 }, [2]), new TensorSpan<double>(dx, [2, 3]));
        Assert.True(double.IsFinite(focal));
        Assert.Equal(0.0, dx[1]);
        Assert.Equal(0.0, dx[4]);

        // Every class but the target masked: probability 1, loss 0, gradient 0.
        double[] single = { ninf, 3, ninf };
        double[] g = Filled(3);
        Assert.Equal(0.0, CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(single, [3]), new ReadOnlyTensorSpan<int>(new[] { 1 }, [1]), new TensorSpan<double>(g, [3])));
        Assert.All(g, v => Assert.Equal(0.0, v));
    }

    // ---- Ignored positions ----

    [Fact]
    public void All_ignored_batches_give_nan_means_zero_gradients_and_zero_per_position_losses()
    {
        double[] x = Random(12, 12), w = { 1, 2, 3, 4 }, dx = Filled(12), loss = Filled(3);
        int[] ignored = { -100, -100, -100 };
        Assert.True(double.IsNaN(WeightedCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(ignored, [3]), new ReadOnlyTensorSpan<double>(w, [4]), new TensorSpan<double>(dx, [3, 4]))));
        Assert.All(dx, v => Assert.Equal(0.0, v));
        dx = Filled(12);
        Assert.True(double.IsNaN(Focal.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(ignored, [3]), new TensorSpan<double>(dx, [3, 4]), gamma: 0.5)));
        Assert.All(dx, v => Assert.Equal(0.0, v));
        dx = Filled(12);
        WeightedCrossEntropyNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(ignored, [3]), new ReadOnlyTensorSpan<double>(w, [4]), new TensorSpan<double>(loss, [3]), new ReadOnlyTensorSpan<double>(new double[] { 1, 1, 1 }, [3]), new TensorSpan<double>(dx, [3, 4]));
        Assert.All(loss, v => Assert.Equal(0.0, v));
        Assert.All(dx, v => Assert.Equal(0.0, v));

        float[] xf = x.Select(v => (float)v).ToArray(), dxf = Enumerable.Repeat(1f, 12).ToArray();
        Assert.True(float.IsNaN(CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(xf, [3, 4]), new ReadOnlyTensorSpan<long>(new long[] { -100, -100, -100 }, [3]), new TensorSpan<float>(dxf, [3, 4]))));
        Assert.All(dxf, v => Assert.Equal(0f, v));

        // Weights that add up to zero over the counted positions: the same as nothing counted.
        dx = Filled(12);
        Assert.True(double.IsNaN(WeightedCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(new[] { 0, 0, -100 }, [3]), new ReadOnlyTensorSpan<double>(new double[] { 0, 1, 1, 1 }, [4]), new TensorSpan<double>(dx, [3, 4]))));
        Assert.All(dx, v => Assert.Equal(0.0, v));
    }

    // ---- NaN in, NaN out ----

    [Fact]
    public void Nan_propagates_to_its_own_values_only()
    {
        double[] x = Random(12, 13), y = Probabilities(12, 14), w = Probabilities(12, 15), pos = { 1, 2, 3, 4 };
        double[] loss = Filled(12), dloss = Enumerable.Repeat(1.0, 12).ToArray(), dx = Filled(12), dy = Filled(12);

        // Elementwise: NaN in y at one element.
        y[5] = double.NaN;
        SquaredError.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new TensorSpan<double>(loss, [3, 4]), new ReadOnlyTensorSpan<double>(dloss, [3, 4]), new TensorSpan<double>(dx, [3, 4]), new TensorSpan<double>(dy, [3, 4]));
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(i == 5, double.IsNaN(loss[i]));
            Assert.Equal(i == 5, double.IsNaN(dx[i]));
            Assert.Equal(i == 5, double.IsNaN(dy[i]));
        }

        // Canned, NaN in an elementwise weight.
        y[5] = 0.5;
        w[7] = double.NaN;
        BceWithLogitsNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new ReadOnlyTensorSpan<double>(w, [3, 4]), new ReadOnlyTensorSpan<double>(pos, [4]), new TensorSpan<double>(loss, [3, 4]), new ReadOnlyTensorSpan<double>(dloss, [3, 4]), new TensorSpan<double>(dx, [3, 4]));
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(i == 7, double.IsNaN(loss[i]));
            Assert.Equal(i == 7, double.IsNaN(dx[i]));
        }

        // Soft labels: NaN in one row's target spoils that row only; reduced, it spoils the mean.
        y[1] = double.NaN;
        double[] rowLoss = Filled(3);
        SoftCrossEntropyNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]), new TensorSpan<double>(rowLoss, [3]), new ReadOnlyTensorSpan<double>(new double[] { 1, 1, 1 }, [3]), new TensorSpan<double>(dx, [3, 4]), new TensorSpan<double>(dy, [3, 4]));
        Assert.True(double.IsNaN(rowLoss[0]) && !double.IsNaN(rowLoss[1]) && !double.IsNaN(rowLoss[2]));
        Assert.True(dx.Take(4).All(double.IsNaN) && dx.Skip(4).All(double.IsFinite));
        Assert.True(double.IsNaN(SoftCrossEntropy.Forward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<double>(y, [3, 4]))));

        // A NaN class weight at an ignored position's target is never read.
        double[] cw = { double.NaN, 1, 1, 1 };
        double v = WeightedCrossEntropy.Forward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(new[] { 1, 2, 3 }, [3]), new ReadOnlyTensorSpan<double>(cw, [4]));
        Assert.True(double.IsFinite(v));

        // A NaN logit at a class-index loss: that row is NaN, the others are not.
        x[6] = double.NaN;
        double[] ce = Filled(3);
        CrossEntropyNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [3, 4]), new ReadOnlyTensorSpan<int>(new[] { 0, 0, 0 }, [3]), new TensorSpan<double>(ce, [3]), new ReadOnlyTensorSpan<double>(new double[] { 1, 1, 1 }, [3]), new TensorSpan<double>(dx, [3, 4]));
        Assert.True(!double.IsNaN(ce[0]) && double.IsNaN(ce[1]) && !double.IsNaN(ce[2]));
    }

    // ---- Threads ----

    [Fact]
    public void Many_threads_on_one_loss_agree_bit_for_bit_for_every_kind()
    {
        const int n = 257, c = 9;
        double[] x = Random(n * c, 16, 4), y = Probabilities(n * c, 17), w = Probabilities(n * c, 18), pos = Probabilities(c, 19);
        float[] xf = x.Select(v => (float)v).ToArray();
        int[] t = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? -100 : (i * 5) % c).ToArray();

        (double Loss, double[] Dx, double[] Dy, float LossF, float[] DxF) Run()
        {
            double[] dx = new double[n * c], dy = new double[n * c], loss = new double[n * c];
            float[] dxf = new float[n * c];
            double total = SoftCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<double>(y, [n, c]), new TensorSpan<double>(dx, [n, c]), new TensorSpan<double>(dy, [n, c]));
            BceWithLogitsNone.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<double>(y, [n, c]), new ReadOnlyTensorSpan<double>(w, [n, c]), new ReadOnlyTensorSpan<double>(pos, [c]), new TensorSpan<double>(loss, [n, c]), new ReadOnlyTensorSpan<double>(y, [n, c]), new TensorSpan<double>(dy, [n, c]), new TensorSpan<double>(new double[n * c], [n, c]));
            total += loss.Sum();
            float focal = Focal.ForwardBackward(new ReadOnlyTensorSpan<float>(xf, [n, c]), new ReadOnlyTensorSpan<int>(t, [n]), new TensorSpan<float>(dxf, [n, c]), gamma: 1.5f);
            total += WeightedCrossEntropy.Forward(new ReadOnlyTensorSpan<double>(x, [n, c]), new ReadOnlyTensorSpan<int>(t.Select(v => v < 0 ? 0 : v).ToArray(), [n]), new ReadOnlyTensorSpan<double>(pos, [c]));
            return (total, dx, dy, focal, dxf);
        }

        var expected = Run();
        var results = new (double, double[], double[], float, float[])[24];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => results[i] = Run());
        foreach (var r in results)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Loss), BitConverter.DoubleToInt64Bits(r.Item1));
            Assert.Equal(expected.Dx, r.Item2);
            Assert.Equal(expected.Dy, r.Item3);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected.LossF), BitConverter.SingleToInt32Bits(r.Item4));
            Assert.Equal(expected.DxF, r.Item5);
        }
    }
}
