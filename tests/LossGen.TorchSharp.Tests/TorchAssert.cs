using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LossGen.TorchSharp.Tests;

internal static class TorchAssert
{
    /// <summary>The project's tolerance (docs/dsl.md): float64 1e-9 relative, float32 1e-5 relative, 1e-6 absolute near zero.</summary>
    public static (double Rel, double Abs) Tolerance(ScalarType dtype) =>
        dtype == ScalarType.Float64 ? (1e-9, 1e-12) : (1e-5, 1e-6);

    public static double[] Values(Tensor t)
    {
        using var _ = no_grad();
        using var d = t.detach().to_type(ScalarType.Float64).contiguous();
        return d.data<double>().ToArray();
    }

    public static void Close(Tensor expected, Tensor actual, string what, double? rel = null, double? abs = null)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        var (r, a) = Tolerance(expected.dtype);
        r = rel ?? r;
        a = abs ?? a;
        double[] e = Values(expected), g = Values(actual);
        for (int i = 0; i < e.Length; i++)
        {
            double tol = Math.Max(a, r * Math.Abs(e[i]));
            bool ok = double.IsNaN(e[i]) ? double.IsNaN(g[i]) : Math.Abs(e[i] - g[i]) <= tol;
            Assert.True(ok, $"{what}[{i}]: expected {e[i]:R}, got {g[i]:R} (|diff| {Math.Abs(e[i] - g[i]):E2} > {tol:E2})");
        }
    }
}
