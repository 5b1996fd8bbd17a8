using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using LossGen.Internal;
using Xunit;

namespace LossGen.Runtime.Tests;

/// <summary>
/// Accuracy, special values and cross-width determinism of <see cref="VectorMath"/>.
/// References: <see cref="Math.Exp(double)"/> / <see cref="Math.Log(double)"/>. For float results the double reference
/// is exact to far below a float ulp, so float errors below are true errors. For double results they are errors
/// relative to the platform libm (glibc's exp/log are correctly rounded in nearly all cases).
/// </summary>
public class VectorMathTests
{
    // ---- bounds asserted, with what was measured when the kernels were written ----------------------------------

    // float exp: measured exhaustively over every float in [-104, 89]: max 0.909 ulp, max relative 7.71e-8 (normal results);
    // subnormal results: max 0.858 units of 2^-149. Underflow region (x < -87.3) monotonic.
    private const double ExpFloatMaxUlp = 1.0;
    private const double ExpFloatMaxRel = 8.0e-8;
    private const double ExpFloatMaxSubnormalUlp = 1.0;

    // float log: measured exhaustively over every positive finite float (subnormals included): max 0.887 ulp, max relative 8.46e-8.
    private const double LogFloatMaxUlp = 1.0;
    private const double LogFloatMaxRel = 9.0e-8;

    // double exp/log: measured over 3e8 random inputs each: never more than 1 ulp from glibc (relative 2.22e-16);
    // against mpmath on 2e5 inputs: exp max 0.86 ulp, log max 0.78 ulp. Other platforms' libm may itself be off by ~1 ulp.
    private static readonly double DoubleMaxUlpVsLibm = OperatingSystem.IsLinux() ? 1.0 : 2.0;
    private static readonly double DoubleMaxRelVsLibm = OperatingSystem.IsLinux() ? 2.3e-16 : 4.5e-16;

    // ---- every way of calling the functions ---------------------------------------------------------------------

    public enum Path { Scalar, GenericScalar, V128, V256, V512, GenericV128, GenericV256, GenericV512, CoreV256, CoreV512 }

    public static IEnumerable<object[]> AllPaths()
    {
        foreach (Path p in Enum.GetValues<Path>()) yield return new object[] { p };
    }

    private static float[] Run(float[] xs, Path path, bool log)
    {
        var ys = new float[xs.Length];
        int i = 0;
        switch (path)
        {
            case Path.V128:
            case Path.GenericV128:
                for (; i + 4 <= xs.Length; i += 4)
                {
                    var v = Vector128.Create(xs.AsSpan(i, 4));
                    var r = path == Path.V128 ? (log ? VectorMath.Log(v) : VectorMath.Exp(v))
                                              : (log ? VectorMath.Log<float>(v) : VectorMath.Exp<float>(v));
                    r.CopyTo(ys.AsSpan(i));
                }
                break;
            case Path.V256:
            case Path.GenericV256:
            case Path.CoreV256:
                for (; i + 8 <= xs.Length; i += 8)
                {
                    var v = Vector256.Create(xs.AsSpan(i, 8));
                    var r = path switch
                    {
                        Path.V256 => log ? VectorMath.Log(v) : VectorMath.Exp(v),
                        Path.GenericV256 => log ? VectorMath.Log<float>(v) : VectorMath.Exp<float>(v),
                        _ => log ? VectorMath.LogCore(v) : VectorMath.ExpCore(v),
                    };
                    r.CopyTo(ys.AsSpan(i));
                }
                break;
            case Path.V512:
            case Path.GenericV512:
            case Path.CoreV512:
                for (; i + 16 <= xs.Length; i += 16)
                {
                    var v = Vector512.Create(xs.AsSpan(i, 16));
                    var r = path switch
                    {
                        Path.V512 => log ? VectorMath.Log(v) : VectorMath.Exp(v),
                        Path.GenericV512 => log ? VectorMath.Log<float>(v) : VectorMath.Exp<float>(v),
                        _ => log ? VectorMath.LogCore(v) : VectorMath.ExpCore(v), // software fallback without AVX-512
                    };
                    r.CopyTo(ys.AsSpan(i));
                }
                break;
        }
        for (; i < xs.Length; i++) // scalar paths, and the tails of the vector ones
            ys[i] = path == Path.GenericScalar ? (log ? VectorMath.Log<float>(xs[i]) : VectorMath.Exp<float>(xs[i]))
                                               : (log ? VectorMath.Log(xs[i]) : VectorMath.Exp(xs[i]));
        return ys;
    }

    private static double[] Run(double[] xs, Path path, bool log)
    {
        var ys = new double[xs.Length];
        int i = 0;
        switch (path)
        {
            case Path.V128:
            case Path.GenericV128:
                for (; i + 2 <= xs.Length; i += 2)
                {
                    var v = Vector128.Create(xs.AsSpan(i, 2));
                    var r = path == Path.V128 ? (log ? VectorMath.Log(v) : VectorMath.Exp(v))
                                              : (log ? VectorMath.Log<double>(v) : VectorMath.Exp<double>(v));
                    r.CopyTo(ys.AsSpan(i));
                }
                break;
            case Path.V256:
            case Path.GenericV256:
            case Path.CoreV256:
                for (; i + 4 <= xs.Length; i += 4)
                {
                    var v = Vector256.Create(xs.AsSpan(i, 4));
                    var r = path switch
                    {
                        Path.V256 => log ? VectorMath.Log(v) : VectorMath.Exp(v),
                        Path.GenericV256 => log ? VectorMath.Log<double>(v) : VectorMath.Exp<double>(v),
                        _ => log ? VectorMath.LogCore(v) : VectorMath.ExpCore(v),
                    };
                    r.CopyTo(ys.AsSpan(i));
                }
                break;
            case Path.V512:
            case Path.GenericV512:
            case Path.CoreV512:
                for (; i + 8 <= xs.Length; i += 8)
                {
                    var v = Vector512.Create(xs.AsSpan(i, 8));
                    var r = path switch
                    {
                        Path.V512 => log ? VectorMath.Log(v) : VectorMath.Exp(v),
                        Path.GenericV512 => log ? VectorMath.Log<double>(v) : VectorMath.Exp<double>(v),
                        _ => log ? VectorMath.LogCore(v) : VectorMath.ExpCore(v),
                    };
                    r.CopyTo(ys.AsSpan(i));
                }
                break;
        }
        for (; i < xs.Length; i++)
            ys[i] = path == Path.GenericScalar ? (log ? VectorMath.Log<double>(xs[i]) : VectorMath.Exp<double>(xs[i]))
                                               : (log ? VectorMath.Log(xs[i]) : VectorMath.Exp(xs[i]));
        return ys;
    }

    // ---- error measures ---------------------------------------------------------------------------------------

    private const double MinNormalFloat = 1.1754943508222875e-38; // 2^-126
    private const double TwoPow128 = 3.4028236692093846e38;
    private const double MinNormalDouble = 2.2250738585072014E-308; // 2^-1022

    /// <summary>ulp of the float binade containing |r| (2^-149 below the normal range).</summary>
    private static double FloatUlp(double r)
    {
        long e = ((BitConverter.DoubleToInt64Bits(r) >> 52) & 0x7FF) - 1023;
        if (e < -126) e = -126;
        return Math.ScaleB(1.0, (int)e - 23);
    }

    /// <summary>ulp of the double binade containing |r| (2^-1074 below the normal range).</summary>
    private static double DoubleUlp(double r)
    {
        long e = ((BitConverter.DoubleToInt64Bits(r) >> 52) & 0x7FF) - 1023;
        if (e < -1022) e = -1022;
        return Math.ScaleB(1.0, (int)e - 52);
    }

    /// <summary>Error of a float result in ulps of the exact value; +inf counts as 2^128 when the exact value is finite.</summary>
    private static double FloatUlpError(float y, double exact)
    {
        if (double.IsNaN(exact)) return float.IsNaN(y) ? 0 : double.PositiveInfinity;
        if (double.IsInfinity(exact) || Math.Abs(exact) >= TwoPow128) return y == (float)exact ? 0 : double.PositiveInfinity;
        double yy = float.IsPositiveInfinity(y) ? TwoPow128 : float.IsNegativeInfinity(y) ? -TwoPow128 : y;
        return Math.Abs(yy - exact) / FloatUlp(exact);
    }

    private static double DoubleUlpError(double y, double reference)
    {
        if (double.IsNaN(reference)) return double.IsNaN(y) ? 0 : double.PositiveInfinity;
        if (double.IsInfinity(reference)) return y == reference ? 0 : double.PositiveInfinity;
        if (double.IsInfinity(y)) return double.PositiveInfinity;
        return Math.Abs(y - reference) / DoubleUlp(reference);
    }

    private sealed class Stats
    {
        public double MaxUlp, MaxRel, MaxSubnormalUlp;
        public double WorstX = double.NaN, WorstSubnormalX = double.NaN;
        public int Count;

        public void AddFloat(double x, float y, double exact)
        {
            Count++;
            double u = FloatUlpError(y, exact);
            if (Math.Abs(exact) >= MinNormalFloat || exact == 0 || double.IsNaN(exact))
            {
                if (u > MaxUlp) { MaxUlp = u; WorstX = x; }
                if (exact != 0 && !double.IsInfinity(exact) && Math.Abs(exact) < TwoPow128 && !float.IsInfinity(y))
                    MaxRel = Math.Max(MaxRel, Math.Abs(y - exact) / Math.Abs(exact));
            }
            else if (u > MaxSubnormalUlp) { MaxSubnormalUlp = u; WorstSubnormalX = x; }
        }

        public void AddDouble(double x, double y, double reference)
        {
            Count++;
            double u = DoubleUlpError(y, reference);
            if (Math.Abs(reference) >= MinNormalDouble || reference == 0 || double.IsNaN(reference) || double.IsInfinity(reference))
            {
                if (u > MaxUlp) { MaxUlp = u; WorstX = x; }
                if (reference != 0 && double.IsFinite(reference))
                    MaxRel = Math.Max(MaxRel, Math.Abs(y - reference) / Math.Abs(reference));
            }
            else if (u > MaxSubnormalUlp) { MaxSubnormalUlp = u; WorstSubnormalX = x; }
        }

        public override string ToString()
            => $"n={Count} maxUlp={MaxUlp:G4} (x={WorstX:R}) maxRel={MaxRel:G4} maxSubnormalUlp={MaxSubnormalUlp:G4} (x={WorstSubnormalX:R})";
    }

    private static void AssertPathsAgree(float[] xs, bool log)
    {
        float[] expected = Run(xs, Path.Scalar, log);
        foreach (Path p in Enum.GetValues<Path>())
        {
            if (p == Path.Scalar) continue;
            float[] got = Run(xs, p, log);
            for (int i = 0; i < xs.Length; i++)
                if (BitConverter.SingleToUInt32Bits(got[i]) != BitConverter.SingleToUInt32Bits(expected[i]))
                    Assert.Fail($"{(log ? "Log" : "Exp")}(float {xs[i]:R}) via {p} = {got[i]:R} (0x{BitConverter.SingleToUInt32Bits(got[i]):X8}) but scalar gives {expected[i]:R} (0x{BitConverter.SingleToUInt32Bits(expected[i]):X8})");
        }
    }

    private static void AssertPathsAgree(double[] xs, bool log)
    {
        double[] expected = Run(xs, Path.Scalar, log);
        foreach (Path p in Enum.GetValues<Path>())
        {
            if (p == Path.Scalar) continue;
            double[] got = Run(xs, p, log);
            for (int i = 0; i < xs.Length; i++)
                if (BitConverter.DoubleToUInt64Bits(got[i]) != BitConverter.DoubleToUInt64Bits(expected[i]))
                    Assert.Fail($"{(log ? "Log" : "Exp")}(double {xs[i]:R}) via {p} = {got[i]:R} but scalar gives {expected[i]:R}");
        }
    }

    private static float[] EvenlySpaced(float lo, float hi, int n)
    {
        var xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = (float)(lo + (hi - (double)lo) * i / (n - 1));
        return xs;
    }

    private static double[] EvenlySpaced(double lo, double hi, int n)
    {
        var xs = new double[n];
        for (int i = 0; i < n; i++) xs[i] = lo + (hi - lo) * i / (n - 1);
        return xs;
    }

    // ---- exp, float ------------------------------------------------------------------------------------------------

    [Fact]
    public void ExpFloat_IsAccurateOverTheWholeRange()
    {
        var rng = new Random(20240601);
        var inputs = new List<float>(EvenlySpaced(-110f, 90f, 2_000_001));
        for (int i = 0; i < 1_000_000; i++) inputs.Add((float)(-110 + 200 * rng.NextDouble()));
        for (int i = 0; i < 500_000; i++) inputs.Add((float)(2 * rng.NextDouble() - 1));
        for (int i = 0; i < 200_000; i++) inputs.Add((float)(1e-3 * (2 * rng.NextDouble() - 1)));
        float[] xs = inputs.ToArray();
        float[] ys = Run(xs, Path.V256, log: false);

        var s = new Stats();
        for (int i = 0; i < xs.Length; i++) s.AddFloat(xs[i], ys[i], Math.Exp(xs[i]));
        Assert.True(s.MaxUlp <= ExpFloatMaxUlp, s.ToString());
        Assert.True(s.MaxRel <= ExpFloatMaxRel, s.ToString());
        Assert.True(s.MaxSubnormalUlp <= ExpFloatMaxSubnormalUlp, s.ToString());

        AssertPathsAgree(xs[..300_000], log: false);
    }

    [Fact]
    public void ExpFloat_GradualUnderflow_EveryInputIsAccurateAndMonotonic()
    {
        // Every float in [-104, -87] (results from 2^-125.5 down through the subnormals to 0).
        uint from = BitConverter.SingleToUInt32Bits(-87f), to = BitConverter.SingleToUInt32Bits(-104f);
        var xs = new float[to - from + 1];
        for (uint b = from; b <= to; b++) xs[b - from] = BitConverter.UInt32BitsToSingle(b);
        float[] ys = Run(xs, Path.V256, log: false);

        var s = new Stats();
        for (int i = 0; i < xs.Length; i++)
        {
            s.AddFloat(xs[i], ys[i], Math.Exp(xs[i]));
            if (i > 0) Assert.True(ys[i] <= ys[i - 1], $"exp not monotonic at {xs[i]:R}: {ys[i]:R} > {ys[i - 1]:R}");
        }
        Assert.True(s.MaxUlp <= ExpFloatMaxUlp, s.ToString());
        Assert.True(s.MaxSubnormalUlp <= ExpFloatMaxSubnormalUlp, s.ToString());
        Assert.True(float.IsSubnormal(VectorMath.Exp(-100f)));
        Assert.Equal(float.Epsilon, VectorMath.Exp(-103.5f)); // e^-103.5 = 0.78 * 2^-149
        Assert.Equal(0f, VectorMath.Exp(-104f));              // below 2^-150: rounds to +0
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(VectorMath.Exp(-104f)));

        AssertPathsAgree(xs[..50_000], log: false);
    }

    [Fact]
    public void ExpFloat_OverflowThreshold()
    {
        // ln(float.MaxValue) = 88.72283905...
        float below = 88.72283f, above = 88.72284f;
        Assert.True(float.IsFinite(VectorMath.Exp(below)));
        Assert.True(FloatUlpError(VectorMath.Exp(below), Math.Exp(below)) <= ExpFloatMaxUlp);
        Assert.Equal(float.PositiveInfinity, VectorMath.Exp(above));
        Assert.Equal(float.PositiveInfinity, VectorMath.Exp(89f));
        Assert.Equal(float.PositiveInfinity, VectorMath.Exp(1000f));
        Assert.Equal(float.PositiveInfinity, VectorMath.Exp(float.MaxValue));
    }

    // ---- exp, double -------------------------------------------------------------------------------------------------

    [Fact]
    public void ExpDouble_IsAccurateOverTheWholeRange()
    {
        var rng = new Random(7);
        var inputs = new List<double>(EvenlySpaced(-750.0, 710.0, 1_000_001));
        for (int i = 0; i < 1_000_000; i++) inputs.Add(-750 + 1460 * rng.NextDouble());
        for (int i = 0; i < 300_000; i++) inputs.Add(2 * rng.NextDouble() - 1);
        for (int i = 0; i < 100_000; i++) inputs.Add(1e-6 * (2 * rng.NextDouble() - 1));
        double[] xs = inputs.ToArray();
        double[] ys = Run(xs, Path.V256, log: false);

        var s = new Stats();
        for (int i = 0; i < xs.Length; i++) s.AddDouble(xs[i], ys[i], Math.Exp(xs[i]));
        Assert.True(s.MaxUlp <= DoubleMaxUlpVsLibm, s.ToString());
        Assert.True(s.MaxRel <= DoubleMaxRelVsLibm, s.ToString());
        Assert.True(s.MaxSubnormalUlp <= 1.0, s.ToString());

        AssertPathsAgree(xs[..200_000], log: false);
    }

    [Fact]
    public void ExpDouble_GradualUnderflowIsAccurateAndMonotonic()
    {
        double[] xs = EvenlySpaced(-708.0, -746.0, 400_001); // decreasing
        double[] ys = Run(xs, Path.V256, log: false);
        var s = new Stats();
        for (int i = 0; i < xs.Length; i++)
        {
            s.AddDouble(xs[i], ys[i], Math.Exp(xs[i]));
            if (i > 0) Assert.True(ys[i] <= ys[i - 1], $"exp not monotonic at {xs[i]:R}");
        }
        Assert.True(s.MaxUlp <= DoubleMaxUlpVsLibm, s.ToString());
        Assert.True(s.MaxSubnormalUlp <= 1.0, s.ToString());
        Assert.True(double.IsSubnormal(VectorMath.Exp(-720.0)));
        Assert.Equal(double.Epsilon, VectorMath.Exp(-745.0));
        Assert.Equal(0.0, VectorMath.Exp(-746.0));
        Assert.Equal(0ul, BitConverter.DoubleToUInt64Bits(VectorMath.Exp(-800.0)));
    }

    [Fact]
    public void ExpDouble_OverflowThreshold()
    {
        // ln(double.MaxValue) = 709.782712893384
        Assert.True(double.IsFinite(VectorMath.Exp(709.782712893384)));
        Assert.True(DoubleUlpError(VectorMath.Exp(709.782712893384), Math.Exp(709.782712893384)) <= DoubleMaxUlpVsLibm);
        Assert.True(DoubleUlpError(VectorMath.Exp(709.78), Math.Exp(709.78)) <= DoubleMaxUlpVsLibm);
        Assert.Equal(double.PositiveInfinity, VectorMath.Exp(709.7827128933841));
        Assert.Equal(double.PositiveInfinity, VectorMath.Exp(710.0));
        Assert.Equal(double.PositiveInfinity, VectorMath.Exp(double.MaxValue));
    }

    // ---- log, float ------------------------------------------------------------------------------------------------

    [Fact]
    public void LogFloat_IsAccurateForEveryExponent()
    {
        var rng = new Random(11);
        var inputs = new List<float>();
        for (uint e = 0; e <= 254; e++) // e = 0: subnormals
        {
            uint[] edges = { 0, 1, 2, 0x3504F2, 0x3504F3, 0x3504F4, 0x400000, 0x7FFFFE, 0x7FFFFF };
            foreach (uint m in edges)
                if (e != 0 || m != 0) inputs.Add(BitConverter.UInt32BitsToSingle((e << 23) | m));
            for (int i = 0; i < 2048; i++)
            {
                uint m = (uint)rng.Next(e == 0 ? 1 : 0, 1 << 23);
                inputs.Add(BitConverter.UInt32BitsToSingle((e << 23) | m));
            }
        }
        for (int i = 0; i < 500_000; i++) inputs.Add((float)(0.5 + 1.5 * rng.NextDouble()));
        // every float in [0.99, 1.01], where log is small and relative accuracy is hardest
        for (uint b = BitConverter.SingleToUInt32Bits(0.99f); b <= BitConverter.SingleToUInt32Bits(1.01f); b++)
            inputs.Add(BitConverter.UInt32BitsToSingle(b));
        float[] xs = inputs.ToArray();
        float[] ys = Run(xs, Path.V256, log: true);

        var s = new Stats();
        for (int i = 0; i < xs.Length; i++) s.AddFloat(xs[i], ys[i], Math.Log(xs[i]));
        Assert.True(s.MaxUlp <= LogFloatMaxUlp, s.ToString());
        Assert.True(s.MaxRel <= LogFloatMaxRel, s.ToString());

        AssertPathsAgree(xs[..300_000], log: true);
    }

    [Fact]
    public void LogFloat_IsMonotonicNearOneAndAcrossSubnormals()
    {
        var xs = new List<float>();
        for (uint b = BitConverter.SingleToUInt32Bits(0.999f); b <= BitConverter.SingleToUInt32Bits(1.001f); b++) xs.Add(BitConverter.UInt32BitsToSingle(b));
        for (uint b = 1; b <= 0x00900000u; b += 7) xs.Add(BitConverter.UInt32BitsToSingle(b)); // subnormals into the normals
        float[] a = xs.ToArray();
        float[] ys = Run(a, Path.V256, log: true);
        for (int i = 1; i < a.Length; i++)
            if (a[i] > a[i - 1]) Assert.True(ys[i] >= ys[i - 1], $"log not monotonic at {a[i]:R}");
    }

    // ---- log, double -------------------------------------------------------------------------------------------------

    [Fact]
    public void LogDouble_IsAccurateForEveryExponent()
    {
        var rng = new Random(13);
        var inputs = new List<double>();
        for (ulong e = 0; e <= 2046; e++)
        {
            ulong[] edges = { 0, 1, 0x6A09E667F3BCCul, 0x6A09E667F3BCDul, 0x6A09E667F3BCEul, 0x8000000000000ul, 0xFFFFFFFFFFFFFul };
            foreach (ulong m in edges)
                if (e != 0 || m != 0) inputs.Add(BitConverter.UInt64BitsToDouble((e << 52) | m));
            for (int i = 0; i < 256; i++)
            {
                ulong m = (ulong)rng.NextInt64(e == 0 ? 1 : 0, 1L << 52);
                inputs.Add(BitConverter.UInt64BitsToDouble((e << 52) | m));
            }
        }
        for (int i = 0; i < 500_000; i++) inputs.Add(0.5 + 1.5 * rng.NextDouble());
        for (int i = 0; i < 100_000; i++) inputs.Add(1 + 1e-6 * (2 * rng.NextDouble() - 1));
        double[] xs = inputs.ToArray();
        double[] ys = Run(xs, Path.V256, log: true);

        var s = new Stats();
        for (int i = 0; i < xs.Length; i++) s.AddDouble(xs[i], ys[i], Math.Log(xs[i]));
        Assert.True(s.MaxUlp <= DoubleMaxUlpVsLibm, s.ToString());
        Assert.True(s.MaxRel <= DoubleMaxRelVsLibm, s.ToString());

        AssertPathsAgree(xs[..200_000], log: true);
    }

    // ---- special values ----------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void ExpFloat_SpecialValues(Path path)
    {
        float[] xs = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1f, -1f, 100f, -200f, float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, 88.72284f, -104f, 120f, -120f, 999f, 1001f, -1001f, 1e30f, -1e30f };
        float[] ys = Run(xs, path, log: false);
        Assert.True(float.IsNaN(ys[0]));
        Assert.Equal(float.PositiveInfinity, ys[1]);
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(ys[2])); // +0
        Assert.Equal(1f, ys[3]);
        Assert.Equal(1f, ys[4]);
        Assert.True(FloatUlpError(ys[5], Math.E) <= ExpFloatMaxUlp);
        Assert.True(FloatUlpError(ys[6], Math.Exp(-1)) <= ExpFloatMaxUlp);
        Assert.Equal(float.PositiveInfinity, ys[7]);
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(ys[8]));
        Assert.Equal(float.PositiveInfinity, ys[9]);
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(ys[10]));
        Assert.Equal(1f, ys[11]);
        Assert.Equal(1f, ys[12]);
        Assert.Equal(float.PositiveInfinity, ys[13]);
        Assert.Equal(0f, ys[14]);
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void ExpDouble_SpecialValues(Path path)
    {
        double[] xs = { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1.0, 800.0, -800.0, double.MaxValue, double.MinValue, double.Epsilon, 709.7827128933841, -746.0, 1000.0, -1000.0, 99999.0, 100001.0, -100001.0, 1e300, -1e300 };
        double[] ys = Run(xs, path, log: false);
        Assert.True(double.IsNaN(ys[0]));
        Assert.Equal(double.PositiveInfinity, ys[1]);
        Assert.Equal(0ul, BitConverter.DoubleToUInt64Bits(ys[2]));
        Assert.Equal(1.0, ys[3]);
        Assert.Equal(1.0, ys[4]);
        Assert.True(DoubleUlpError(ys[5], Math.E) <= 1.0);
        Assert.Equal(double.PositiveInfinity, ys[6]);
        Assert.Equal(0ul, BitConverter.DoubleToUInt64Bits(ys[7]));
        Assert.Equal(double.PositiveInfinity, ys[8]);
        Assert.Equal(0ul, BitConverter.DoubleToUInt64Bits(ys[9]));
        Assert.Equal(1.0, ys[10]);
        Assert.Equal(double.PositiveInfinity, ys[11]);
        Assert.Equal(0.0, ys[12]);
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void LogFloat_SpecialValues(Path path)
    {
        float[] xs = { float.NaN, -1f, float.NegativeInfinity, 0f, -0f, float.PositiveInfinity, 1f, float.Epsilon, float.MaxValue, -float.Epsilon, 2f, 0.5f };
        float[] ys = Run(xs, path, log: true);
        Assert.True(float.IsNaN(ys[0]));
        Assert.True(float.IsNaN(ys[1]));
        Assert.True(float.IsNaN(ys[2]));
        Assert.Equal(float.NegativeInfinity, ys[3]);
        Assert.Equal(float.NegativeInfinity, ys[4]);
        Assert.Equal(float.PositiveInfinity, ys[5]);
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(ys[6])); // log(1) = +0 exactly
        Assert.True(FloatUlpError(ys[7], Math.Log(float.Epsilon)) <= LogFloatMaxUlp); // -149 ln 2
        Assert.True(FloatUlpError(ys[8], Math.Log(float.MaxValue)) <= LogFloatMaxUlp);
        Assert.True(float.IsNaN(ys[9]));
        Assert.True(FloatUlpError(ys[10], Math.Log(2)) <= LogFloatMaxUlp);
        Assert.True(FloatUlpError(ys[11], Math.Log(0.5)) <= LogFloatMaxUlp);
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void LogDouble_SpecialValues(Path path)
    {
        double[] xs = { double.NaN, -1.0, double.NegativeInfinity, 0.0, -0.0, double.PositiveInfinity, 1.0, double.Epsilon, double.MaxValue, -double.Epsilon, 2.0, 0.5 };
        double[] ys = Run(xs, path, log: true);
        Assert.True(double.IsNaN(ys[0]));
        Assert.True(double.IsNaN(ys[1]));
        Assert.True(double.IsNaN(ys[2]));
        Assert.Equal(double.NegativeInfinity, ys[3]);
        Assert.Equal(double.NegativeInfinity, ys[4]);
        Assert.Equal(double.PositiveInfinity, ys[5]);
        Assert.Equal(0ul, BitConverter.DoubleToUInt64Bits(ys[6]));
        Assert.True(DoubleUlpError(ys[7], Math.Log(double.Epsilon)) <= DoubleMaxUlpVsLibm);
        Assert.True(DoubleUlpError(ys[8], Math.Log(double.MaxValue)) <= DoubleMaxUlpVsLibm);
        Assert.True(double.IsNaN(ys[9]));
        Assert.True(DoubleUlpError(ys[10], Math.Log(2.0)) <= DoubleMaxUlpVsLibm);
        Assert.True(DoubleUlpError(ys[11], Math.Log(0.5)) <= DoubleMaxUlpVsLibm);
    }

    // ---- determinism: every width, every entry point, special lanes mixed into ordinary vectors --------------------

    private static float[] MixedFloats(int n, int seed, bool forLog)
    {
        var rng = new Random(seed);
        float[] specials = forLog
            ? new[] { float.NaN, 0f, -0f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, 1e-40f, 1f, float.MaxValue }
            : new[] { float.NaN, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 100f, -100f, -90f, 88.7f, -87.5f, float.MaxValue };
        var xs = new float[n];
        for (int i = 0; i < n; i++)
        {
            if (rng.Next(8) == 0) { xs[i] = specials[rng.Next(specials.Length)]; continue; }
            xs[i] = forLog
                ? BitConverter.UInt32BitsToSingle((uint)rng.Next(1, 0x7F800000))
                : (float)(-110 + 200 * rng.NextDouble());
        }
        return xs;
    }

    private static double[] MixedDoubles(int n, int seed, bool forLog)
    {
        var rng = new Random(seed);
        double[] specials = forLog
            ? new[] { double.NaN, 0.0, -0.0, -1.0, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, 1e-310, 1.0, double.MaxValue }
            : new[] { double.NaN, 0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, 800.0, -800.0, -720.0, 709.7, -708.5, double.MaxValue };
        var xs = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (rng.Next(8) == 0) { xs[i] = specials[rng.Next(specials.Length)]; continue; }
            xs[i] = forLog
                ? BitConverter.Int64BitsToDouble(rng.NextInt64(1, 0x7FF0000000000000L))
                : -750 + 1460 * rng.NextDouble();
        }
        return xs;
    }

    [Fact]
    public void AllWidthsAndScalar_AreBitIdentical_WithSpecialLanesMixedIn()
    {
        AssertPathsAgree(MixedFloats(100_003, 1, forLog: false), log: false);
        AssertPathsAgree(MixedFloats(100_003, 2, forLog: true), log: true);
        AssertPathsAgree(MixedDoubles(100_003, 3, forLog: false), log: false);
        AssertPathsAgree(MixedDoubles(100_003, 4, forLog: true), log: true);
    }

    [Fact]
    public void OrdinaryLanes_AreUnaffectedBySpecialNeighbours()
    {
        // The slow fix-up path recomputes whole vectors; lanes in the fast range must come out bit-identical.
        var v = Vector256.Create(1.5f, float.NaN, -3f, 200f, 0.25f, -120f, 42f, float.Epsilon);
        var e = VectorMath.Exp(v);
        var l = VectorMath.Log(v);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits(VectorMath.Exp(v[i])), BitConverter.SingleToUInt32Bits(e[i]));
            Assert.Equal(BitConverter.SingleToUInt32Bits(VectorMath.Log(v[i])), BitConverter.SingleToUInt32Bits(l[i]));
        }
        var d = Vector512.Create(1.5, double.NaN, -3.0, 800.0, 0.25, -800.0, 42.0, double.Epsilon);
        var ed = VectorMath.Exp(d);
        var ld = VectorMath.Log(d);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(BitConverter.DoubleToUInt64Bits(VectorMath.Exp(d[i])), BitConverter.DoubleToUInt64Bits(ed[i]));
            Assert.Equal(BitConverter.DoubleToUInt64Bits(VectorMath.Log(d[i])), BitConverter.DoubleToUInt64Bits(ld[i]));
        }
    }

    [Fact]
    public void Vector512_SoftwareFallbackMatchesVector256Halves()
    {
        // Whether or not AVX-512 is present, the Vector512 kernel (CoreV512 runs it in software when it is not)
        // must agree with the Vector256 kernel on each half.
        float[] xs = MixedFloats(16 * 512, 5, forLog: false);
        for (int i = 0; i < xs.Length; i += 16)
        {
            var v = Vector512.Create(xs.AsSpan(i, 16));
            Assert.Equal(Vector512.Create(VectorMath.ExpCore(v.GetLower()), VectorMath.ExpCore(v.GetUpper())).AsUInt32(), VectorMath.ExpCore(v).AsUInt32());
            Assert.Equal(Vector512.Create(VectorMath.LogCore(v.GetLower()), VectorMath.LogCore(v.GetUpper())).AsUInt32(), VectorMath.LogCore(v).AsUInt32());
        }
    }

    // ---- generic dispatchers -------------------------------------------------------------------------------------

    [Fact]
    public void GenericDispatch_RejectsOtherTypes()
    {
        Assert.Throws<NotSupportedException>(() => VectorMath.Exp<int>(1));
        Assert.Throws<NotSupportedException>(() => VectorMath.Log<long>(1L));
        Assert.Throws<NotSupportedException>(() => VectorMath.Exp(Vector256.Create(1)));
        Assert.Throws<NotSupportedException>(() => VectorMath.Log(Vector128.Create((short)1)));
        Assert.Throws<NotSupportedException>(() => VectorMath.Exp(Vector512.Create((byte)1)));
    }

    [Fact]
    public void GenericDispatch_MatchesTypedOverloads()
    {
        Assert.Equal(VectorMath.Exp(0.3f), VectorMath.Exp<float>(0.3f));
        Assert.Equal(VectorMath.Exp(0.3), VectorMath.Exp<double>(0.3));
        Assert.Equal(VectorMath.Log(0.3f), VectorMath.Log<float>(0.3f));
        Assert.Equal(VectorMath.Log(0.3), VectorMath.Log<double>(0.3));
        Assert.Equal(0f, VectorMath.Log<float>(1f));
        Assert.Equal(1.0, VectorMath.Exp<double>(0.0));
    }
}
