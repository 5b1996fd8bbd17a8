// Rendered from VectorMath.Width.template at 512 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

public static partial class VectorMath
{
    // Without hardware support for this width, run the two halves at the narrower width (same lane results).

    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
        => Vector512.IsHardwareAccelerated ? ExpCore(x) : Vector512.Create(Exp(x.GetLower()), Exp(x.GetUpper()));

    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
        => Vector512.IsHardwareAccelerated ? ExpCore(x) : Vector512.Create(Exp(x.GetLower()), Exp(x.GetUpper()));

    /// <summary>ln x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
        => Vector512.IsHardwareAccelerated ? LogCore(x) : Vector512.Create(Log(x.GetLower()), Log(x.GetUpper()));

    /// <summary>ln x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x)
        => Vector512.IsHardwareAccelerated ? LogCore(x) : Vector512.Create(Log(x.GetLower()), Log(x.GetUpper()));

    /// <summary>e^x per lane for <typeparamref name="T"/> = <see cref="float"/> or <see cref="double"/>.</summary>
    /// <exception cref="System.NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(float)) return Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Exp(x.AsDouble()).As<double, T>();
        return ThrowNotSupported<T, Vector512<T>>();
    }

    /// <summary>ln x per lane for <typeparamref name="T"/> = <see cref="float"/> or <see cref="double"/>.</summary>
    /// <exception cref="System.NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(float)) return Log(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Log(x.AsDouble()).As<double, T>();
        return ThrowNotSupported<T, Vector512<T>>();
    }

    // ---- exp, float

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ExpCore(Vector512<float> x)
    {
        Vector512<float> z = Vector512.FusedMultiplyAdd(x, Vector512.Create(ExpF.Log2e), Vector512.Create(ExpF.Shift));
        Vector512<float> n = z - Vector512.Create(ExpF.Shift);
        Vector512<float> p = ExpKernel(x, n);
        // the low bits of z hold n: adding them to the exponent field multiplies p by 2^n
        Vector512<float> y = (p.AsInt32() + Vector512.ShiftLeft(z.AsInt32(), 23)).AsSingle();
        // Checked last and fixed up inline: a call here would make every vector the caller keeps live across it
        // (accumulators of a log-sum-exp, say) spill to the stack on every iteration, and a by-value call return
        // would home y in memory. Inlined, the fix-up costs code size only, and it reuses p and n: a second
        // polynomial per call site would also spend the locals the JIT allows a method before it stops inlining.
        if (!Vector512.LessThanOrEqualAll(Vector512.Abs(x), Vector512.Create(ExpF.FastLimit))) // also catches NaN
            y = ExpScale(x, p, n);
        return y;
    }

    /// <summary>e^r for r = x - n ln2, |r| &lt;= ln2/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpKernel(Vector512<float> x, Vector512<float> n)
    {
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-ExpF.Ln2Hi), x); // exact
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-ExpF.Ln2Lo), r);
        Vector512<float> q = Vector512.FusedMultiplyAdd(Vector512.Create(ExpF.C6), r, Vector512.Create(ExpF.C5));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpF.C4));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpF.C3));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpF.C2));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512<float>.One);
        return Vector512.FusedMultiplyAdd(q, r, Vector512<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpScale(Vector512<float> x, Vector512<float> p, Vector512<float> n)
    {
        n = Vector512.MinNative(Vector512.MaxNative(n, Vector512.Create(-ExpF.ScaleLimit)), Vector512.Create(ExpF.ScaleLimit));
        p = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(ExpF.KernelLimit)), p, Vector512<float>.One);
        // 2^n as 2^n1 * 2^n2, both normal: p * 2^n1 is exact, the second product rounds once (to a subnormal, 0 or inf).
        Vector512<float> n1 = Vector512.Truncate(n * Vector512.Create(0.5f));
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), p * PowerOfTwo(n1) * PowerOfTwo(n - n1), x); // NaN in, NaN out
    }

    /// <summary>2^n for integral n in the normal exponent range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PowerOfTwo(Vector512<float> n) => Vector512.ShiftLeft((n + Vector512.Create(ExpF.ShiftBias)).AsInt32(), 23).AsSingle();

    // ---- exp, double

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> ExpCore(Vector512<double> x)
    {
        Vector512<double> z = Vector512.FusedMultiplyAdd(x, Vector512.Create(ExpD.Log2e), Vector512.Create(ExpD.Shift));
        Vector512<double> n = z - Vector512.Create(ExpD.Shift);
        Vector512<double> p = ExpKernel(x, n);
        Vector512<double> y = (p.AsInt64() + Vector512.ShiftLeft(z.AsInt64(), 52)).AsDouble();
        if (!Vector512.LessThanOrEqualAll(Vector512.Abs(x), Vector512.Create(ExpD.FastLimit)))
            y = ExpScale(x, p, n);
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpKernel(Vector512<double> x, Vector512<double> n)
    {
        Vector512<double> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-ExpD.Ln2Hi), x); // exact
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-ExpD.Ln2Lo), r);
        Vector512<double> q = Vector512.FusedMultiplyAdd(Vector512.Create(ExpD.C11), r, Vector512.Create(ExpD.C10));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpD.C9));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpD.C8));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpD.C7));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpD.C6));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpD.C5));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpD.C4));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpD.C3));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(ExpD.C2));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512<double>.One);
        return Vector512.FusedMultiplyAdd(q, r, Vector512<double>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpScale(Vector512<double> x, Vector512<double> p, Vector512<double> n)
    {
        n = Vector512.MinNative(Vector512.MaxNative(n, Vector512.Create(-ExpD.ScaleLimit)), Vector512.Create(ExpD.ScaleLimit));
        p = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(ExpD.KernelLimit)), p, Vector512<double>.One);
        Vector512<double> n1 = Vector512.Truncate(n * Vector512.Create(0.5));
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), p * PowerOfTwo(n1) * PowerOfTwo(n - n1), x);
    }

    /// <summary>2^n for integral n in the normal exponent range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> PowerOfTwo(Vector512<double> n) => Vector512.ShiftLeft((n + Vector512.Create(ExpD.ShiftBias)).AsInt64(), 52).AsDouble();

    // ---- log, float

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> LogCore(Vector512<float> x)
    {
        Vector512<uint> i = x.AsUInt32();
        Vector512<float> y = LogKernel(i, Vector512.Create(LogF.Bias));
        if (Vector512.GreaterThanAny((i + Vector512.Create(LogF.SpecialAdd)).AsInt32(), Vector512.Create(LogF.SpecialLimit)))
            y = LogSlow(x);
        return y;
    }

    /// <summary>ln x for a positive normal x with bits <paramref name="i"/>, times 2^(127 - bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LogKernel(Vector512<uint> i, Vector512<int> bias)
    {
        Vector512<uint> u = i + Vector512.Create(LogF.MantissaAdd);
        Vector512<float> k = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(u, 23).AsInt32() - bias);
        Vector512<float> m = (i - (u & Vector512.Create(LogF.ExponentMask)) + Vector512.Create(LogF.One)).AsSingle();
        Vector512<float> f = m - Vector512<float>.One; // exact
        Vector512<float> f2 = f * f;
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(LogF.P8), f, Vector512.Create(LogF.P7));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(LogF.P6));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(LogF.P5));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(LogF.P4));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(LogF.P3));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(LogF.P2));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(LogF.P1));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(LogF.P0));
        Vector512<float> lo = Vector512.FusedMultiplyAdd(k, Vector512.Create(LogF.Ln2Lo), f2 * p);
        return Vector512.FusedMultiplyAdd(k, Vector512.Create(LogF.Ln2Hi), f + lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LogSlow(Vector512<float> x)
    {
        Vector512<float> sub = Vector512.LessThan(x, Vector512.Create(LogF.MinNormal));
        Vector512<float> xs = Vector512.ConditionalSelect(sub, x * Vector512.Create(LogF.SubnormalScale), x);
        Vector512<int> bias = Vector512.ConditionalSelect(sub.AsInt32(), Vector512.Create(LogF.SubnormalBias), Vector512.Create(LogF.Bias));
        Vector512<float> y = LogKernel(xs.AsUInt32(), bias);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, y);
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512.Create(float.NaN), y);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }

    // ---- log, double

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> LogCore(Vector512<double> x)
    {
        Vector512<ulong> i = x.AsUInt64();
        Vector512<double> y = LogKernel(i, Vector512.Create(LogD.Bias));
        if (Vector512.GreaterThanAny((i + Vector512.Create(LogD.SpecialAdd)).AsInt64(), Vector512.Create(LogD.SpecialLimit)))
            y = LogSlow(x);
        return y;
    }

    /// <summary>ln x for a positive normal x with bits <paramref name="i"/>, times 2^(1023 - (bias - 2^52)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogKernel(Vector512<ulong> i, Vector512<double> bias)
    {
        Vector512<ulong> u = i + Vector512.Create(LogD.MantissaAdd);
        Vector512<double> k = (Vector512.ShiftRightLogical(u, 52) | Vector512.Create(LogD.TwoPow52Bits)).AsDouble() - bias;
        Vector512<double> m = (i - (u & Vector512.Create(LogD.ExponentMask)) + Vector512.Create(LogD.One)).AsDouble();
        Vector512<double> f = m - Vector512<double>.One; // exact
        Vector512<double> hfsq = Vector512.Create(0.5) * f * f;
        Vector512<double> s = f / (Vector512.Create(2.0) + f);
        Vector512<double> z = s * s;
        Vector512<double> w = z * z;
        Vector512<double> t1 = w * Vector512.FusedMultiplyAdd(w, Vector512.FusedMultiplyAdd(w, Vector512.Create(LogD.Lg6), Vector512.Create(LogD.Lg4)), Vector512.Create(LogD.Lg2));
        Vector512<double> t2 = z * Vector512.FusedMultiplyAdd(w, Vector512.FusedMultiplyAdd(w, Vector512.FusedMultiplyAdd(w, Vector512.Create(LogD.Lg7), Vector512.Create(LogD.Lg5)), Vector512.Create(LogD.Lg3)), Vector512.Create(LogD.Lg1));
        Vector512<double> inner = Vector512.FusedMultiplyAdd(s, hfsq + (t1 + t2), k * Vector512.Create(LogD.Ln2Lo));
        return Vector512.FusedMultiplyAdd(k, Vector512.Create(LogD.Ln2Hi), f - (hfsq - inner));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogSlow(Vector512<double> x)
    {
        Vector512<double> sub = Vector512.LessThan(x, Vector512.Create(LogD.MinNormal));
        Vector512<double> xs = Vector512.ConditionalSelect(sub, x * Vector512.Create(LogD.SubnormalScale), x);
        Vector512<double> bias = Vector512.ConditionalSelect(sub, Vector512.Create(LogD.SubnormalBias), Vector512.Create(LogD.Bias));
        Vector512<double> y = LogKernel(xs.AsUInt64(), bias);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<double>.Zero), Vector512.Create(double.NegativeInfinity), y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(double.PositiveInfinity)), x, y);
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero), Vector512.Create(double.NaN), y);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }
}
