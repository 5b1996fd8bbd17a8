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
}
