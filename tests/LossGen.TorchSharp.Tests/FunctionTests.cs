using System.Collections.Generic;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// The language's functions <c>log_cosh</c>, <c>hinge</c> and <c>tanh</c> (docs/dsl.md) against TorchSharp's own ops on
/// the same tensors: the loss and x.grad, in float32 and float64, elementwise and inside sums over the class axis, with
/// values that make <c>cosh</c> overflow and values on <c>hinge</c>'s kink.
/// </summary>
public class FunctionTests
{
    public static IEnumerable<object[]> DTypes() => [[ScalarType.Float32], [ScalarType.Float64]];

    /// <summary>Normal values with a wide spread, plus tiny ones, ones past cosh's overflow (710 in float64, 89 in float32) and 0.</summary>
    private static Tensor Wide(long rows, long classes, ScalarType dtype)
    {
        var x = randn([rows, classes], dtype: ScalarType.Float64) * 3;
        var flat = x.view(-1);
        double[] special = [0, 1e-7, -3e-5, 0.124, -0.126, 0.5, 1, 20, -45, 95, -800, 1200];
        for (int i = 0; i < special.Length && i < flat.shape[0]; i++)
        {
            flat[i * 3] = tensor(special[i]);
        }

        return x.to_type(dtype);
    }

    /// <summary>
    /// log(cosh(d)) from TorchSharp's ops: torch.log(torch.cosh(d)) where cosh stays finite (|d| &lt; 20), and
    /// |d| + softplus(-2|d|) - log 2 beyond, each branch fed only its own values so no infinity reaches autograd.
    /// </summary>
    private static Tensor TorchLogCosh(Tensor d)
    {
        var near = d.abs() < 20;
        var inside = where(near, d, zeros_like(d));
        var outside = where(near, full_like(d, 20.0), d).abs();
        var stable = outside + F.softplus(-2 * outside) - System.Math.Log(2);
        return where(near, inside.cosh().log(), stable);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Log_cosh_matches_torch_log_of_cosh_and_stays_finite_past_its_overflow(ScalarType dtype)
    {
        manual_seed(21);
        using var x = Wide(7, 37, dtype);
        using var y = randn([7, 37], dtype: dtype);
        using var g = randn([7, 37], dtype: dtype);
        var none = dtype == ScalarType.Float32
            ? TorchLoss.Dense<float>(LogCoshNone.Forward, LogCoshNone.Backward, LossValues.PerElement)
            : TorchLoss.Dense<double>(LogCoshNone.Forward, LogCoshNone.Backward, LossValues.PerElement);
        TorchLossTests.Compare(x, xa => none.Apply(xa, y) * g, xb => TorchLogCosh(xb - y) * g);

        var mean = dtype == ScalarType.Float32
            ? TorchLoss.Dense<float>(LogCoshMean.Forward, LogCoshMean.Backward)
            : TorchLoss.Dense<double>(LogCoshMean.Forward, LogCoshMean.Backward);
        TorchLossTests.Compare(x, xa => mean.Apply(xa, y), xb => TorchLogCosh(xb - y).mean(), upstream: 2.5);

        var classes = dtype == ScalarType.Float32
            ? TorchLoss.Dense<float>(LogCoshOverClasses.Forward, LogCoshOverClasses.Backward)
            : TorchLoss.Dense<double>(LogCoshOverClasses.Forward, LogCoshOverClasses.Backward);
        TorchLossTests.Compare(x, xa => classes.Apply(xa, y), xb => TorchLogCosh(xb - y).mean([1]).mean());
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Hinge_matches_clamp_min_of_one_minus_a_with_the_gradient_passing_at_the_kink(ScalarType dtype)
    {
        manual_seed(22);
        using var x = randn([5, 41], dtype: dtype) * 2;
        using var y = (randint(0, 2, [5, 41], dtype: ScalarType.Int64) * 2 - 1).to_type(dtype);
        // Margins exactly on the kink (x * y == 1) and just either side of it.
        var flat = x.view(-1);
        var labels = y.view(-1);
        for (int i = 0; i < 12; i++)
        {
            flat[i * 5] = labels[i * 5] * (i % 3 == 0 ? 1.0 : i % 3 == 1 ? 0.999 : 1.001);
        }

        using var g = randn([5, 41], dtype: dtype);
        var none = dtype == ScalarType.Float32
            ? TorchLoss.Dense<float>(HingeNone.Forward, HingeNone.Backward, LossValues.PerElement)
            : TorchLoss.Dense<double>(HingeNone.Forward, HingeNone.Backward, LossValues.PerElement);
        TorchLossTests.Compare(x, xa => none.Apply(xa, y) * g, xb => (1 - xb * y).clamp_min(0) * g);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Tanh_in_a_class_loop_matches_torch_tanh(ScalarType dtype)
    {
        manual_seed(23);
        using var x = Wide(6, 53, dtype);
        using var y = randn([6, 53], dtype: dtype);
        var loss = dtype == ScalarType.Float32
            ? TorchLoss.Dense<float>(TanhOverClasses.Forward, TanhOverClasses.Backward)
            : TorchLoss.Dense<double>(TanhOverClasses.Forward, TanhOverClasses.Backward);
        TorchLossTests.Compare(x, xa => loss.Apply(xa, y), xb => (y * xb.tanh()).sum(1).mean(), upstream: 2.5);
    }
}
