// Rendered from VectorMath.Width.template at 128 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

public static partial class VectorMath
{
    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
        => ExpCore(x);

    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Exp(Vector128<double> x)
        => ExpCore(x);

    /// <summary>ln x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Log(Vector128<float> x)
        => LogCore(x);

    /// <summary>ln x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Log(Vector128<double> x)
        => LogCore(x);

    /// <summary>e^x per lane for <typeparamref name="T"/> = <see cref="float"/> or <see cref="double"/>.</summary>
    /// <exception cref="System.NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp<T>(Vector128<T> x)
    {
        if (typeof(T) == typeof(float)) return Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Exp(x.AsDouble()).As<double, T>();
        return ThrowNotSupported<T, Vector128<T>>();
    }

    /// <summary>ln x per lane for <typeparamref name="T"/> = <see cref="float"/> or <see cref="double"/>.</summary>
    /// <exception cref="System.NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log<T>(Vector128<T> x)
    {
        if (typeof(T) == typeof(float)) return Log(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Log(x.AsDouble()).As<double, T>();
        return ThrowNotSupported<T, Vector128<T>>();
    }

    // ---- exp, float

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> ExpCore(Vector128<float> x)
    {
        Vector128<float> z = Vector128.FusedMultiplyAdd(x, Vector128.Create(ExpF.Log2e), Vector128.Create(ExpF.Shift));
        Vector128<float> n = z - Vector128.Create(ExpF.Shift);
        Vector128<float> p = ExpKernel(x, n);
        // the low bits of z hold n: adding them to the exponent field multiplies p by 2^n
        Vector128<float> y = (p.AsInt32() + Vector128.ShiftLeft(z.AsInt32(), 23)).AsSingle();
        // Checked last and fixed up inline: a call here would make every vector the caller keeps live across it
        // (accumulators of a log-sum-exp, say) spill to the stack on every iteration, and a by-value call return
        // would home y in memory. Inlined, the fix-up costs code size only, and it reuses p and n: a second
        // polynomial per call site would also spend the locals the JIT allows a method before it stops inlining.
        if (!Vector128.LessThanOrEqualAll(Vector128.Abs(x), Vector128.Create(ExpF.FastLimit))) // also catches NaN
            y = ExpScale(x, p, n);
        return y;
    }

    /// <summary>e^r for r = x - n ln2, |r| &lt;= ln2/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpKernel(Vector128<float> x, Vector128<float> n)
    {
        Vector128<float> r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-ExpF.Ln2Hi), x); // exact
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-ExpF.Ln2Lo), r);
        Vector128<float> q = Vector128.FusedMultiplyAdd(Vector128.Create(ExpF.C6), r, Vector128.Create(ExpF.C5));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpF.C4));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpF.C3));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpF.C2));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128<float>.One);
        return Vector128.FusedMultiplyAdd(q, r, Vector128<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpScale(Vector128<float> x, Vector128<float> p, Vector128<float> n)
    {
        n = Vector128.MinNative(Vector128.MaxNative(n, Vector128.Create(-ExpF.ScaleLimit)), Vector128.Create(ExpF.ScaleLimit));
        p = Vector128.ConditionalSelect(Vector128.LessThanOrEqual(Vector128.Abs(x), Vector128.Create(ExpF.KernelLimit)), p, Vector128<float>.One);
        // 2^n as 2^n1 * 2^n2, both normal: p * 2^n1 is exact, the second product rounds once (to a subnormal, 0 or inf).
        Vector128<float> n1 = Vector128.Truncate(n * Vector128.Create(0.5f));
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), p * PowerOfTwo(n1) * PowerOfTwo(n - n1), x); // NaN in, NaN out
    }

    /// <summary>2^n for integral n in the normal exponent range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> PowerOfTwo(Vector128<float> n) => Vector128.ShiftLeft((n + Vector128.Create(ExpF.ShiftBias)).AsInt32(), 23).AsSingle();

    // ---- exp, double

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<double> ExpCore(Vector128<double> x)
    {
        Vector128<double> z = Vector128.FusedMultiplyAdd(x, Vector128.Create(ExpD.Log2e), Vector128.Create(ExpD.Shift));
        Vector128<double> n = z - Vector128.Create(ExpD.Shift);
        Vector128<double> p = ExpKernel(x, n);
        Vector128<double> y = (p.AsInt64() + Vector128.ShiftLeft(z.AsInt64(), 52)).AsDouble();
        if (!Vector128.LessThanOrEqualAll(Vector128.Abs(x), Vector128.Create(ExpD.FastLimit)))
            y = ExpScale(x, p, n);
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> ExpKernel(Vector128<double> x, Vector128<double> n)
    {
        Vector128<double> r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-ExpD.Ln2Hi), x); // exact
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-ExpD.Ln2Lo), r);
        Vector128<double> q = Vector128.FusedMultiplyAdd(Vector128.Create(ExpD.C11), r, Vector128.Create(ExpD.C10));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpD.C9));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpD.C8));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpD.C7));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpD.C6));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpD.C5));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpD.C4));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpD.C3));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(ExpD.C2));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128<double>.One);
        return Vector128.FusedMultiplyAdd(q, r, Vector128<double>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> ExpScale(Vector128<double> x, Vector128<double> p, Vector128<double> n)
    {
        n = Vector128.MinNative(Vector128.MaxNative(n, Vector128.Create(-ExpD.ScaleLimit)), Vector128.Create(ExpD.ScaleLimit));
        p = Vector128.ConditionalSelect(Vector128.LessThanOrEqual(Vector128.Abs(x), Vector128.Create(ExpD.KernelLimit)), p, Vector128<double>.One);
        Vector128<double> n1 = Vector128.Truncate(n * Vector128.Create(0.5));
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), p * PowerOfTwo(n1) * PowerOfTwo(n - n1), x);
    }

    /// <summary>2^n for integral n in the normal exponent range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> PowerOfTwo(Vector128<double> n) => Vector128.ShiftLeft((n + Vector128.Create(ExpD.ShiftBias)).AsInt64(), 52).AsDouble();

    // ---- log, float

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> LogCore(Vector128<float> x)
    {
        Vector128<uint> i = x.AsUInt32();
        Vector128<float> y = LogKernel(i, Vector128.Create(LogF.Bias));
        if (Vector128.GreaterThanAny((i + Vector128.Create(LogF.SpecialAdd)).AsInt32(), Vector128.Create(LogF.SpecialLimit)))
            y = LogSlow(x);
        return y;
    }

    /// <summary>ln x for a positive normal x with bits <paramref name="i"/>, times 2^(127 - bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LogKernel(Vector128<uint> i, Vector128<int> bias)
    {
        Vector128<uint> u = i + Vector128.Create(LogF.MantissaAdd);
        Vector128<float> k = Vector128.ConvertToSingle(Vector128.ShiftRightLogical(u, 23).AsInt32() - bias);
        Vector128<float> m = (i - (u & Vector128.Create(LogF.ExponentMask)) + Vector128.Create(LogF.One)).AsSingle();
        Vector128<float> f = m - Vector128<float>.One; // exact
        Vector128<float> f2 = f * f;
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(LogF.P8), f, Vector128.Create(LogF.P7));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(LogF.P6));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(LogF.P5));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(LogF.P4));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(LogF.P3));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(LogF.P2));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(LogF.P1));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(LogF.P0));
        Vector128<float> lo = Vector128.FusedMultiplyAdd(k, Vector128.Create(LogF.Ln2Lo), f2 * p);
        return Vector128.FusedMultiplyAdd(k, Vector128.Create(LogF.Ln2Hi), f + lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LogSlow(Vector128<float> x)
    {
        Vector128<float> sub = Vector128.LessThan(x, Vector128.Create(LogF.MinNormal));
        Vector128<float> xs = Vector128.ConditionalSelect(sub, x * Vector128.Create(LogF.SubnormalScale), x);
        Vector128<int> bias = Vector128.ConditionalSelect(sub.AsInt32(), Vector128.Create(LogF.SubnormalBias), Vector128.Create(LogF.Bias));
        Vector128<float> y = LogKernel(xs.AsUInt32(), bias);
        y = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128<float>.Zero), Vector128.Create(float.NegativeInfinity), y);
        y = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128.Create(float.PositiveInfinity)), x, y);
        y = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), Vector128.Create(float.NaN), y);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), y, x);
    }

    // ---- log, double

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<double> LogCore(Vector128<double> x)
    {
        Vector128<ulong> i = x.AsUInt64();
        Vector128<double> y = LogKernel(i, Vector128.Create(LogD.Bias));
        if (Vector128.GreaterThanAny((i + Vector128.Create(LogD.SpecialAdd)).AsInt64(), Vector128.Create(LogD.SpecialLimit)))
            y = LogSlow(x);
        return y;
    }

    /// <summary>ln x for a positive normal x with bits <paramref name="i"/>, times 2^(1023 - (bias - 2^52)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> LogKernel(Vector128<ulong> i, Vector128<double> bias)
    {
        Vector128<ulong> u = i + Vector128.Create(LogD.MantissaAdd);
        Vector128<double> k = (Vector128.ShiftRightLogical(u, 52) | Vector128.Create(LogD.TwoPow52Bits)).AsDouble() - bias;
        Vector128<double> m = (i - (u & Vector128.Create(LogD.ExponentMask)) + Vector128.Create(LogD.One)).AsDouble();
        Vector128<double> f = m - Vector128<double>.One; // exact
        Vector128<double> hfsq = Vector128.Create(0.5) * f * f;
        Vector128<double> s = f / (Vector128.Create(2.0) + f);
        Vector128<double> z = s * s;
        Vector128<double> w = z * z;
        Vector128<double> t1 = w * Vector128.FusedMultiplyAdd(w, Vector128.FusedMultiplyAdd(w, Vector128.Create(LogD.Lg6), Vector128.Create(LogD.Lg4)), Vector128.Create(LogD.Lg2));
        Vector128<double> t2 = z * Vector128.FusedMultiplyAdd(w, Vector128.FusedMultiplyAdd(w, Vector128.FusedMultiplyAdd(w, Vector128.Create(LogD.Lg7), Vector128.Create(LogD.Lg5)), Vector128.Create(LogD.Lg3)), Vector128.Create(LogD.Lg1));
        Vector128<double> inner = Vector128.FusedMultiplyAdd(s, hfsq + (t1 + t2), k * Vector128.Create(LogD.Ln2Lo));
        return Vector128.FusedMultiplyAdd(k, Vector128.Create(LogD.Ln2Hi), f - (hfsq - inner));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> LogSlow(Vector128<double> x)
    {
        Vector128<double> sub = Vector128.LessThan(x, Vector128.Create(LogD.MinNormal));
        Vector128<double> xs = Vector128.ConditionalSelect(sub, x * Vector128.Create(LogD.SubnormalScale), x);
        Vector128<double> bias = Vector128.ConditionalSelect(sub, Vector128.Create(LogD.SubnormalBias), Vector128.Create(LogD.Bias));
        Vector128<double> y = LogKernel(xs.AsUInt64(), bias);
        y = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128<double>.Zero), Vector128.Create(double.NegativeInfinity), y);
        y = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128.Create(double.PositiveInfinity)), x, y);
        y = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<double>.Zero), Vector128.Create(double.NaN), y);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), y, x);
    }
}
