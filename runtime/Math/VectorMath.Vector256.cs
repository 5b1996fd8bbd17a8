// Rendered from VectorMath.Width.template at 256 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

public static partial class VectorMath
{
    // Without hardware support for this width, run the two halves at the narrower width (same lane results).

    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
        => Vector256.IsHardwareAccelerated ? ExpCore(x) : Vector256.Create(Exp(x.GetLower()), Exp(x.GetUpper()));

    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
        => Vector256.IsHardwareAccelerated ? ExpCore(x) : Vector256.Create(Exp(x.GetLower()), Exp(x.GetUpper()));

    /// <summary>ln x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
        => Vector256.IsHardwareAccelerated ? LogCore(x) : Vector256.Create(Log(x.GetLower()), Log(x.GetUpper()));

    /// <summary>ln x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
        => Vector256.IsHardwareAccelerated ? LogCore(x) : Vector256.Create(Log(x.GetLower()), Log(x.GetUpper()));

    /// <summary>e^x per lane for <typeparamref name="T"/> = <see cref="float"/> or <see cref="double"/>.</summary>
    /// <exception cref="System.NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x)
    {
        if (typeof(T) == typeof(float)) return Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Exp(x.AsDouble()).As<double, T>();
        return ThrowNotSupported<T, Vector256<T>>();
    }

    /// <summary>ln x per lane for <typeparamref name="T"/> = <see cref="float"/> or <see cref="double"/>.</summary>
    /// <exception cref="System.NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log<T>(Vector256<T> x)
    {
        if (typeof(T) == typeof(float)) return Log(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Log(x.AsDouble()).As<double, T>();
        return ThrowNotSupported<T, Vector256<T>>();
    }

    // ---- exp, float

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> ExpCore(Vector256<float> x)
    {
        Vector256<float> z = Vector256.FusedMultiplyAdd(x, Vector256.Create(ExpF.Log2e), Vector256.Create(ExpF.Shift));
        Vector256<float> n = z - Vector256.Create(ExpF.Shift);
        Vector256<float> p = ExpKernel(x, n);
        // the low bits of z hold n: adding them to the exponent field multiplies p by 2^n
        Vector256<float> y = (p.AsInt32() + Vector256.ShiftLeft(z.AsInt32(), 23)).AsSingle();
        // Checked last and fixed up inline: a call here would make every vector the caller keeps live across it
        // (accumulators of a log-sum-exp, say) spill to the stack on every iteration, and a by-value call return
        // would home y in memory. Inlined, the fix-up costs code size only, and it reuses p and n: a second
        // polynomial per call site would also spend the locals the JIT allows a method before it stops inlining.
        if (!Vector256.LessThanOrEqualAll(Vector256.Abs(x), Vector256.Create(ExpF.FastLimit))) // also catches NaN
            y = ExpScale(x, p, n);
        return y;
    }

    /// <summary>e^r for r = x - n ln2, |r| &lt;= ln2/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpKernel(Vector256<float> x, Vector256<float> n)
    {
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-ExpF.Ln2Hi), x); // exact
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-ExpF.Ln2Lo), r);
        Vector256<float> q = Vector256.FusedMultiplyAdd(Vector256.Create(ExpF.C6), r, Vector256.Create(ExpF.C5));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpF.C4));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpF.C3));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpF.C2));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256<float>.One);
        return Vector256.FusedMultiplyAdd(q, r, Vector256<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpScale(Vector256<float> x, Vector256<float> p, Vector256<float> n)
    {
        n = Vector256.MinNative(Vector256.MaxNative(n, Vector256.Create(-ExpF.ScaleLimit)), Vector256.Create(ExpF.ScaleLimit));
        p = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(Vector256.Abs(x), Vector256.Create(ExpF.KernelLimit)), p, Vector256<float>.One);
        // 2^n as 2^n1 * 2^n2, both normal: p * 2^n1 is exact, the second product rounds once (to a subnormal, 0 or inf).
        Vector256<float> n1 = Vector256.Truncate(n * Vector256.Create(0.5f));
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), p * PowerOfTwo(n1) * PowerOfTwo(n - n1), x); // NaN in, NaN out
    }

    /// <summary>2^n for integral n in the normal exponent range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> PowerOfTwo(Vector256<float> n) => Vector256.ShiftLeft((n + Vector256.Create(ExpF.ShiftBias)).AsInt32(), 23).AsSingle();

    // ---- exp, double

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> ExpCore(Vector256<double> x)
    {
        Vector256<double> z = Vector256.FusedMultiplyAdd(x, Vector256.Create(ExpD.Log2e), Vector256.Create(ExpD.Shift));
        Vector256<double> n = z - Vector256.Create(ExpD.Shift);
        Vector256<double> p = ExpKernel(x, n);
        Vector256<double> y = (p.AsInt64() + Vector256.ShiftLeft(z.AsInt64(), 52)).AsDouble();
        if (!Vector256.LessThanOrEqualAll(Vector256.Abs(x), Vector256.Create(ExpD.FastLimit)))
            y = ExpScale(x, p, n);
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> ExpKernel(Vector256<double> x, Vector256<double> n)
    {
        Vector256<double> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-ExpD.Ln2Hi), x); // exact
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-ExpD.Ln2Lo), r);
        Vector256<double> q = Vector256.FusedMultiplyAdd(Vector256.Create(ExpD.C11), r, Vector256.Create(ExpD.C10));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpD.C9));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpD.C8));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpD.C7));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpD.C6));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpD.C5));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpD.C4));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpD.C3));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(ExpD.C2));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256<double>.One);
        return Vector256.FusedMultiplyAdd(q, r, Vector256<double>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> ExpScale(Vector256<double> x, Vector256<double> p, Vector256<double> n)
    {
        n = Vector256.MinNative(Vector256.MaxNative(n, Vector256.Create(-ExpD.ScaleLimit)), Vector256.Create(ExpD.ScaleLimit));
        p = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(Vector256.Abs(x), Vector256.Create(ExpD.KernelLimit)), p, Vector256<double>.One);
        Vector256<double> n1 = Vector256.Truncate(n * Vector256.Create(0.5));
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), p * PowerOfTwo(n1) * PowerOfTwo(n - n1), x);
    }

    /// <summary>2^n for integral n in the normal exponent range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> PowerOfTwo(Vector256<double> n) => Vector256.ShiftLeft((n + Vector256.Create(ExpD.ShiftBias)).AsInt64(), 52).AsDouble();

    // ---- log, float

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> LogCore(Vector256<float> x)
    {
        Vector256<uint> i = x.AsUInt32();
        Vector256<float> y = LogKernel(i, Vector256.Create(LogF.Bias));
        if (Vector256.GreaterThanAny((i + Vector256.Create(LogF.SpecialAdd)).AsInt32(), Vector256.Create(LogF.SpecialLimit)))
            y = LogSlow(x);
        return y;
    }

    /// <summary>ln x for a positive normal x with bits <paramref name="i"/>, times 2^(127 - bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LogKernel(Vector256<uint> i, Vector256<int> bias)
    {
        Vector256<uint> u = i + Vector256.Create(LogF.MantissaAdd);
        Vector256<float> k = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(u, 23).AsInt32() - bias);
        Vector256<float> m = (i - (u & Vector256.Create(LogF.ExponentMask)) + Vector256.Create(LogF.One)).AsSingle();
        Vector256<float> f = m - Vector256<float>.One; // exact
        Vector256<float> f2 = f * f;
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(LogF.P8), f, Vector256.Create(LogF.P7));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(LogF.P6));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(LogF.P5));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(LogF.P4));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(LogF.P3));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(LogF.P2));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(LogF.P1));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(LogF.P0));
        Vector256<float> lo = Vector256.FusedMultiplyAdd(k, Vector256.Create(LogF.Ln2Lo), f2 * p);
        return Vector256.FusedMultiplyAdd(k, Vector256.Create(LogF.Ln2Hi), f + lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LogSlow(Vector256<float> x)
    {
        Vector256<float> sub = Vector256.LessThan(x, Vector256.Create(LogF.MinNormal));
        Vector256<float> xs = Vector256.ConditionalSelect(sub, x * Vector256.Create(LogF.SubnormalScale), x);
        Vector256<int> bias = Vector256.ConditionalSelect(sub.AsInt32(), Vector256.Create(LogF.SubnormalBias), Vector256.Create(LogF.Bias));
        Vector256<float> y = LogKernel(xs.AsUInt32(), bias);
        y = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), Vector256.Create(float.NegativeInfinity), y);
        y = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(float.PositiveInfinity)), x, y);
        y = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256.Create(float.NaN), y);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    // ---- log, double

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> LogCore(Vector256<double> x)
    {
        Vector256<ulong> i = x.AsUInt64();
        Vector256<double> y = LogKernel(i, Vector256.Create(LogD.Bias));
        if (Vector256.GreaterThanAny((i + Vector256.Create(LogD.SpecialAdd)).AsInt64(), Vector256.Create(LogD.SpecialLimit)))
            y = LogSlow(x);
        return y;
    }

    /// <summary>ln x for a positive normal x with bits <paramref name="i"/>, times 2^(1023 - (bias - 2^52)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LogKernel(Vector256<ulong> i, Vector256<double> bias)
    {
        Vector256<ulong> u = i + Vector256.Create(LogD.MantissaAdd);
        Vector256<double> k = (Vector256.ShiftRightLogical(u, 52) | Vector256.Create(LogD.TwoPow52Bits)).AsDouble() - bias;
        Vector256<double> m = (i - (u & Vector256.Create(LogD.ExponentMask)) + Vector256.Create(LogD.One)).AsDouble();
        Vector256<double> f = m - Vector256<double>.One; // exact
        Vector256<double> hfsq = Vector256.Create(0.5) * f * f;
        Vector256<double> s = f / (Vector256.Create(2.0) + f);
        Vector256<double> z = s * s;
        Vector256<double> w = z * z;
        Vector256<double> t1 = w * Vector256.FusedMultiplyAdd(w, Vector256.FusedMultiplyAdd(w, Vector256.Create(LogD.Lg6), Vector256.Create(LogD.Lg4)), Vector256.Create(LogD.Lg2));
        Vector256<double> t2 = z * Vector256.FusedMultiplyAdd(w, Vector256.FusedMultiplyAdd(w, Vector256.FusedMultiplyAdd(w, Vector256.Create(LogD.Lg7), Vector256.Create(LogD.Lg5)), Vector256.Create(LogD.Lg3)), Vector256.Create(LogD.Lg1));
        Vector256<double> inner = Vector256.FusedMultiplyAdd(s, hfsq + (t1 + t2), k * Vector256.Create(LogD.Ln2Lo));
        return Vector256.FusedMultiplyAdd(k, Vector256.Create(LogD.Ln2Hi), f - (hfsq - inner));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LogSlow(Vector256<double> x)
    {
        Vector256<double> sub = Vector256.LessThan(x, Vector256.Create(LogD.MinNormal));
        Vector256<double> xs = Vector256.ConditionalSelect(sub, x * Vector256.Create(LogD.SubnormalScale), x);
        Vector256<double> bias = Vector256.ConditionalSelect(sub, Vector256.Create(LogD.SubnormalBias), Vector256.Create(LogD.Bias));
        Vector256<double> y = LogKernel(xs.AsUInt64(), bias);
        y = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), Vector256.Create(double.NegativeInfinity), y);
        y = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(double.PositiveInfinity)), x, y);
        y = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), Vector256.Create(double.NaN), y);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }
}
