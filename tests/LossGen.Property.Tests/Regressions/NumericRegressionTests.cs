using System;
using System.Linq;
using LossGen.Property.Tests.Expressions;
using LossGen.Property.Tests.Harness;
using LossGen.Property.Tests.Properties;
using Xunit;

namespace LossGen.Property.Tests.Regressions;

/// <summary>Specific losses and inputs, checked the way the property run checks random ones (oracle, finite differences).</summary>
public class NumericRegressionTests
{
    private static Ex X => new Ref("x");

    private static Ex Y => new Ref("y");

    private static Ex F(string fn, params Ex[] args) => new Call(fn, args);

    private static PropertyCase Case(Ex body, nint[] shape, int reduction, params Sample[] samples) =>
        new("R", new LossProgram(Array.Empty<(string, Ex)>(), body, null), PrintStyle.Plain, Array.Empty<Hyper>(), reduction, 1, null, false,
            new Layout(shape, -1, false), samples);

    private static Sample Sample(double[] x, double[] y) =>
        new(x, y, new double[] { 1 }, Array.Empty<int>(), Array.Empty<double>(), false, 1.0, Enumerable.Repeat(1.0, x.Length).ToArray());

    private static void Holds(PropertyCase c)
    {
        using CompiledBatch batch = InMemoryCompiler.Compile(new[] { (c.Name, c.Declaration(c.Name), Array.Empty<string>()) });
        var failures = PropertyChecker.Check(c, batch.Losses[c.Name], new Stats());
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// torch.clamp(a, lo, hi) with crossed bounds (lo &gt; hi) is hi everywhere, and only hi gets the gradient. LossGen
    /// gave lo the gradient where a &lt; lo and hi none where a &lt; hi: for <c>clamp(x, 2*y, y)</c> dL/dy was 2 or 3, not 1.
    /// Found by the property run's oracle (clamp bounds are random expressions, so they cross).
    /// </summary>
    [Fact]
    public void Clamp_with_crossed_bounds_gives_the_gradient_to_the_upper_bound_as_torch()
    {
        double[] x = { -1, 0.3, 0.75, 2 };
        double[] y = { 0.5, 0.25, 0.5, 0.5 };
        Holds(Case(F("clamp", X, new Bin('*', new Num(2), Y), Y), new nint[] { 4 }, 2, Sample(x, y)));
    }

    private static double[] PerElement(string expression, double[] x, string element = "double")
    {
        using CompiledBatch batch = InMemoryCompiler.Compile(new[] { ("L", $"[Loss(\"{expression}\", Reduction = Reduction.None)]\npublic static partial class L;", Array.Empty<string>()) });
        LossBinding loss = batch.Losses["L"];
        Assert.True(loss.Failure is null, loss.Failure);
        var args = new CallArgs { X = x, XShape = new nint[] { x.Length }, Y = x, Loss = new double[x.Length], LossShape = new nint[] { x.Length } };
        loss.Methods[new MethodKey("Forward", element, null, false)](args);
        return args.Loss;
    }

    private static void Relative(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what} = {actual:R}, expected {expected:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):G3}, tolerance {tolerance:G3})");

    /// <summary>
    /// docs/dsl.md: <c>log1p(a)</c> is "log(1 + a), accurate near 0" and <c>expm1(a)</c> "exp(a) - 1, accurate near 0";
    /// docs/getting-started.md: float64 within 1e-9 relative, float32 within 1e-5. The kernels call <c>T.LogP1</c> and <c>T.ExpM1</c>,
    /// which .NET implements as <c>Log(1 + a)</c> and <c>Exp(a) - 1</c>: at a = 1e-10 the double result is off by 8e-8
    /// relative, and the float one at a = 1e-5 by 1.4e-3. Fix: accurate Ops.Log1p/Ops.Expm1 in runtime/Internal/Ops.cs
    /// (u = 1 + a; u == 1 ? a : log(u) * a / (u - 1), and the dual for expm1), named by the table in Ir/Functions.cs.
    /// </summary>
    [Fact]
    public void Log1p_and_expm1_are_accurate_near_zero()
    {
        double[] x = { 1e-10, -3e-9, 1e-6, 0.25 };
        double[] log1p = PerElement("log1p(x)", x);
        double[] expm1 = PerElement("expm1(x)", x);
        for (int i = 0; i < x.Length; i++)
        {
            Relative(Oracle.Evaluator.Log1p(x[i]), log1p[i], 1e-12, $"log1p({x[i]})");
            Relative(Oracle.Evaluator.Expm1(x[i]), expm1[i], 1e-12, $"expm1({x[i]})");
        }

        double[] xf = { 1e-5, -2e-6 };
        double[] log1pf = PerElement("log1p(x)", xf, "float");
        for (int i = 0; i < xf.Length; i++)
        {
            Relative(Oracle.Evaluator.Log1p((float)xf[i]), log1pf[i], 1e-5, $"log1p<float>({xf[i]})");
        }
    }

    /// <summary>
    /// softplus(a) = max(a, 0) + log1p(exp(-|a|)) is only as accurate as its log1p: softplus(-40) comes out 0 rather than
    /// 4.25e-18 (torch.nn.functional.softplus gives 4.25e-18), so BCE with logits of a confident right answer is 0, and
    /// log_sigmoid(40) is -0 rather than -4.25e-18. Same cause and fix as <see cref="Log1p_and_expm1_are_accurate_near_zero"/>.
    /// </summary>
    [Fact]
    public void Softplus_and_log_sigmoid_keep_relative_accuracy_in_the_tail()
    {
        double[] x = { -40, -20, 40 };
        double[] softplus = PerElement("softplus(x)", x);
        double[] logSigmoid = PerElement("log_sigmoid(x)", x);
        for (int i = 0; i < x.Length; i++)
        {
            Relative(Oracle.Evaluator.Softplus(x[i]), softplus[i], 1e-9, $"softplus({x[i]})");
            Relative(-Oracle.Evaluator.Softplus(-x[i]), logSigmoid[i], 1e-9, $"log_sigmoid({x[i]})");
        }
    }
}
