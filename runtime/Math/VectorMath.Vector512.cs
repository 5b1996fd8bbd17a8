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
        => Vector512.IsHardwareAccelerated ? ExpCore(x, HasFusedMultiplyAdd) : Vector512.Create(Exp(x.GetLower()), Exp(x.GetUpper()));

    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
        => Vector512.IsHardwareAccelerated ? ExpCore(x, HasFusedMultiplyAdd) : Vector512.Create(Exp(x.GetLower()), Exp(x.GetUpper()));

    /// <summary>ln x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
        => Vector512.IsHardwareAccelerated ? LogCore(x, HasFusedMultiplyAdd) : Vector512.Create(Log(x.GetLower()), Log(x.GetUpper()));

    /// <summary>ln x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x)
        => Vector512.IsHardwareAccelerated ? LogCore(x, HasFusedMultiplyAdd) : Vector512.Create(Log(x.GetLower()), Log(x.GetUpper()));

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

    // ---- a * b + c

    /// <summary>
    /// a * b + c: fused (one rounding) where the hardware has the instruction (x64 with FMA, every ARM64), otherwise a
    /// multiply and an add. Without the instruction .NET computes FusedMultiplyAdd lane by lane in software, about 60
    /// times slower than the two instructions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c, bool fused) => fused ? Vector512.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>The double <see cref="MultiplyAdd(Vector512{float}, Vector512{float}, Vector512{float}, bool)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c, bool fused) => fused ? Vector512.FusedMultiplyAdd(a, b, c) : a * b + c;

    // ---- exp, float

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ExpCore(Vector512<float> x, bool fused)
    {
        Vector512<float> z = MultiplyAdd(x, Vector512.Create(ExpF.Log2e), Vector512.Create(ExpF.Shift), fused);
        Vector512<float> n = z - Vector512.Create(ExpF.Shift);
        Vector512<float> p = ExpKernel(x, n, fused);
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
    private static Vector512<float> ExpKernel(Vector512<float> x, Vector512<float> n, bool fused)
    {
        // r = x - n ln2 in two steps, the first exact: inside an FMA with ln2's float, else with a short ln2 whose
        // products with n are exact.
        Vector512<float> r = fused ? Vector512.FusedMultiplyAdd(n, Vector512.Create(-ExpF.Ln2Hi), x) : x - n * Vector512.Create(ExpF.Ln2HiShort);
        r = fused ? Vector512.FusedMultiplyAdd(n, Vector512.Create(-ExpF.Ln2Lo), r) : r - n * Vector512.Create(ExpF.Ln2LoShort);
        Vector512<float> q = MultiplyAdd(Vector512.Create(ExpF.C6), r, Vector512.Create(ExpF.C5), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpF.C4), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpF.C3), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpF.C2), fused);
        if (!fused) // 1 + (r + r^2 q): the one rounding that is not small next to the result is the last
            return (q * (r * r) + r) + Vector512<float>.One;
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
    internal static Vector512<double> ExpCore(Vector512<double> x, bool fused)
    {
        Vector512<double> z = MultiplyAdd(x, Vector512.Create(ExpD.Log2e), Vector512.Create(ExpD.Shift), fused);
        Vector512<double> n = z - Vector512.Create(ExpD.Shift);
        Vector512<double> p = ExpKernel(x, n, fused);
        Vector512<double> y = (p.AsInt64() + Vector512.ShiftLeft(z.AsInt64(), 52)).AsDouble();
        if (!Vector512.LessThanOrEqualAll(Vector512.Abs(x), Vector512.Create(ExpD.FastLimit)))
            y = ExpScale(x, p, n);
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpKernel(Vector512<double> x, Vector512<double> n, bool fused)
    {
        Vector512<double> r = fused ? Vector512.FusedMultiplyAdd(n, Vector512.Create(-ExpD.Ln2Hi), x) : x - n * Vector512.Create(LogD.Ln2Hi); // exact
        r = fused ? Vector512.FusedMultiplyAdd(n, Vector512.Create(-ExpD.Ln2Lo), r) : r - n * Vector512.Create(LogD.Ln2Lo);
        Vector512<double> q = MultiplyAdd(Vector512.Create(ExpD.C11), r, Vector512.Create(ExpD.C10), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpD.C9), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpD.C8), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpD.C7), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpD.C6), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpD.C5), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpD.C4), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpD.C3), fused);
        q = MultiplyAdd(q, r, Vector512.Create(ExpD.C2), fused);
        q = MultiplyAdd(q, r, Vector512<double>.One, fused);
        return MultiplyAdd(q, r, Vector512<double>.One, fused);
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
    internal static Vector512<float> LogCore(Vector512<float> x, bool fused)
    {
        Vector512<uint> i = x.AsUInt32();
        Vector512<float> y = LogKernel(i, Vector512.Create(LogF.Bias), fused);
        if (Vector512.GreaterThanAny((i + Vector512.Create(LogF.SpecialAdd)).AsInt32(), Vector512.Create(LogF.SpecialLimit)))
            y = LogSlow(x, fused);
        return y;
    }

    /// <summary>ln x for a positive normal x with bits <paramref name="i"/>, times 2^(127 - bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LogKernel(Vector512<uint> i, Vector512<int> bias, bool fused)
    {
        Vector512<uint> u = i + Vector512.Create(LogF.MantissaAdd);
        Vector512<float> k = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(u, 23).AsInt32() - bias);
        Vector512<float> m = (i - (u & Vector512.Create(LogF.ExponentMask)) + Vector512.Create(LogF.One)).AsSingle();
        Vector512<float> f = m - Vector512<float>.One; // exact
        Vector512<float> f2 = f * f;
        Vector512<float> p = MultiplyAdd(Vector512.Create(LogF.P8), f, Vector512.Create(LogF.P7), fused);
        p = MultiplyAdd(p, f, Vector512.Create(LogF.P6), fused);
        p = MultiplyAdd(p, f, Vector512.Create(LogF.P5), fused);
        p = MultiplyAdd(p, f, Vector512.Create(LogF.P4), fused);
        p = MultiplyAdd(p, f, Vector512.Create(LogF.P3), fused);
        p = MultiplyAdd(p, f, Vector512.Create(LogF.P2), fused);
        p = MultiplyAdd(p, f, Vector512.Create(LogF.P1), fused);
        p = MultiplyAdd(p, f, Vector512.Create(LogF.P0), fused);
        if (!fused) // k ln2 with the short ln2 of exp, whose product with k is exact
            return k * Vector512.Create(ExpF.Ln2HiShort) + (f + (k * Vector512.Create(ExpF.Ln2LoShort) + f2 * p));
        Vector512<float> lo = Vector512.FusedMultiplyAdd(k, Vector512.Create(LogF.Ln2Lo), f2 * p);
        return Vector512.FusedMultiplyAdd(k, Vector512.Create(LogF.Ln2Hi), f + lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LogSlow(Vector512<float> x, bool fused)
    {
        Vector512<float> sub = Vector512.LessThan(x, Vector512.Create(LogF.MinNormal));
        Vector512<float> xs = Vector512.ConditionalSelect(sub, x * Vector512.Create(LogF.SubnormalScale), x);
        Vector512<int> bias = Vector512.ConditionalSelect(sub.AsInt32(), Vector512.Create(LogF.SubnormalBias), Vector512.Create(LogF.Bias));
        Vector512<float> y = LogKernel(xs.AsUInt32(), bias, fused);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, y);
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512.Create(float.NaN), y);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }

    // ---- log, double

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> LogCore(Vector512<double> x, bool fused)
    {
        Vector512<ulong> i = x.AsUInt64();
        Vector512<double> y = LogKernel(i, Vector512.Create(LogD.Bias), fused);
        if (Vector512.GreaterThanAny((i + Vector512.Create(LogD.SpecialAdd)).AsInt64(), Vector512.Create(LogD.SpecialLimit)))
            y = LogSlow(x, fused);
        return y;
    }

    /// <summary>ln x for a positive normal x with bits <paramref name="i"/>, times 2^(1023 - (bias - 2^52)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogKernel(Vector512<ulong> i, Vector512<double> bias, bool fused)
    {
        Vector512<ulong> u = i + Vector512.Create(LogD.MantissaAdd);
        Vector512<double> k = (Vector512.ShiftRightLogical(u, 52) | Vector512.Create(LogD.TwoPow52Bits)).AsDouble() - bias;
        Vector512<double> m = (i - (u & Vector512.Create(LogD.ExponentMask)) + Vector512.Create(LogD.One)).AsDouble();
        Vector512<double> f = m - Vector512<double>.One; // exact
        Vector512<double> hfsq = Vector512.Create(0.5) * f * f;
        Vector512<double> s = f / (Vector512.Create(2.0) + f);
        Vector512<double> z = s * s;
        Vector512<double> w = z * z;
        Vector512<double> t1 = w * MultiplyAdd(w, MultiplyAdd(w, Vector512.Create(LogD.Lg6), Vector512.Create(LogD.Lg4), fused), Vector512.Create(LogD.Lg2), fused);
        Vector512<double> t2 = z * MultiplyAdd(w, MultiplyAdd(w, MultiplyAdd(w, Vector512.Create(LogD.Lg7), Vector512.Create(LogD.Lg5), fused), Vector512.Create(LogD.Lg3), fused), Vector512.Create(LogD.Lg1), fused);
        Vector512<double> inner = MultiplyAdd(s, hfsq + (t1 + t2), k * Vector512.Create(LogD.Ln2Lo), fused);
        return MultiplyAdd(k, Vector512.Create(LogD.Ln2Hi), f - (hfsq - inner), fused);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogSlow(Vector512<double> x, bool fused)
    {
        Vector512<double> sub = Vector512.LessThan(x, Vector512.Create(LogD.MinNormal));
        Vector512<double> xs = Vector512.ConditionalSelect(sub, x * Vector512.Create(LogD.SubnormalScale), x);
        Vector512<double> bias = Vector512.ConditionalSelect(sub, Vector512.Create(LogD.SubnormalBias), Vector512.Create(LogD.Bias));
        Vector512<double> y = LogKernel(xs.AsUInt64(), bias, fused);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<double>.Zero), Vector512.Create(double.NegativeInfinity), y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(double.PositiveInfinity)), x, y);
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero), Vector512.Create(double.NaN), y);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }
}
