// The vector code is written once, in VectorMath.Width.template, and rendered at 128, 256 and 512 bits into
// VectorMath.Vector128.cs, VectorMath.Vector256.cs and VectorMath.Vector512.cs: bit-for-bit agreement between widths,
// and with the scalar entry points (which run the Vector128 code), depends on every width being the same code.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

[assembly: InternalsVisibleTo("LossGen.Runtime.Tests")]

namespace LossGen.Internal;

/// <summary>
/// Vectorised <c>exp</c> and <c>log</c> for <see cref="float"/> and <see cref="double"/>, used by generated loss kernels.
/// Every lane is computed by the same sequence of IEEE operations whatever the vector width, and the scalar overloads
/// run the <see cref="Vector128{T}"/> code on a broadcast value, so a scalar tail returns exactly what a vector body would.
/// </summary>
/// <remarks>
/// <para>Accuracy, measured against <see cref="Math.Exp(double)"/> / <see cref="Math.Log(double)"/> (see VectorMathTests):
/// float exp max 0.91 ulp (relative 7.7e-8) over every float in [-104, 89]; float log max 0.89 ulp (relative 8.5e-8)
/// over every positive float; double exp and log max 0.86 / 0.78 ulp against an exact reference on random samples
/// (never more than 1 ulp from glibc on 3e8 inputs each). Results are not correctly rounded, so monotonicity is not
/// guaranteed: float log is monotonic over every positive float, float exp is monotonic for x &gt;= 0 and through the
/// underflow region but steps back by 1 ulp at 2886 of the ~1.1e9 floats in [-104, 0).</para>
/// <para>Special values follow IEEE 754 / <see cref="Math"/>: exp(NaN) = NaN, exp(+inf) = +inf, exp(-inf) = +0,
/// overflow gives +inf, gradual underflow gives subnormals (within 1 unit of 2^-149 / 2^-1074) and then +0, exp(±0) = 1;
/// log(NaN) = NaN, log(x &lt; 0) = NaN, log(±0) = -inf, log(+inf) = +inf, subnormal inputs are exact-scaled, log(1) = +0.</para>
/// <para>The fast path is branch-free; one "any lane outside the easy range" test, made after it, sends the whole vector
/// to an inlined fix-up that recomputes every lane with range-safe scaling and patches special lanes with
/// <c>ConditionalSelect</c>. Lanes in the easy range get bit-identical results on both paths, so a lane's result never
/// depends on its neighbours. Nothing allocates.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class VectorMath
{
    // ------------------------------------------------------------------ constants

    private static class ExpF
    {
        // |x| <= FastLimit: n in [-126, 126] and the result is a finite normal, so 2^n can be added to the exponent bits.
        public const float FastLimit = 87.0f;
        // Beyond FastLimit, n is clamped to +-ScaleLimit (2^160 p overflows to +inf, 2^-160 p underflows to +0, both
        // halves of 2^n stay normal), and lanes beyond KernelLimit, where n = round(x log2e) loses its precision, take
        // p = 1 (their result is +inf or +0 whatever p is).
        public const float ScaleLimit = 160.0f;
        public const float KernelLimit = 1000.0f;
        public const float Log2e = 1.44269502163f;
        public const float Shift = 12582912.0f; // 0x1.8p23: adding it rounds to an integer in the low mantissa bits
        public const float ShiftBias = 12583039.0f; // Shift + 127
        public const float Ln2Hi = 0.693147182464599609375f;  // float(ln 2); n * Ln2Hi is exact inside an FMA
        public const float Ln2Lo = -1.9046542121259336e-09f;  // ln 2 - Ln2Hi
        // e^r ~ 1 + r + r^2 (C2 + C3 r + ... + C6 r^4) on [-ln2/2, ln2/2], minimax relative error 3.1e-9 (2^-28.3).
        public const float C2 = 0.4999999403953552f;
        public const float C3 = 0.1666652113199234f;
        public const float C4 = 0.04166838899254799f;
        public const float C5 = 0.008368710055947304f;
        public const float C6 = 0.001381461275741458f;
    }

    private static class ExpD
    {
        public const double FastLimit = 708.0;  // n in [-1022, 1022]
        public const double ScaleLimit = 1100.0;  // 2^1100 p overflows, 2^-1100 p underflows, halves of 2^n stay normal
        public const double KernelLimit = 100000.0;
        public const double Log2e = 1.4426950408889634;
        public const double Shift = 6755399441055744.0;      // 0x1.8p52
        public const double ShiftBias = 6755399441056767.0;  // Shift + 1023
        public const double Ln2Hi = 0.6931471805599453;      // double(ln 2)
        public const double Ln2Lo = 2.3190468138462996e-17;  // ln 2 - Ln2Hi
        // e^r ~ 1 + r + r^2 (C2 + ... + C11 r^9) on [-ln2/2, ln2/2], minimax relative error 7.7e-18 (2^-56.9).
        public const double C2 = 0.500000000000001;
        public const double C3 = 0.16666666666666674;
        public const double C4 = 0.041666666666522106;
        public const double C5 = 0.008333333333322215;
        public const double C6 = 0.0013888888947785523;
        public const double C7 = 0.00019841269886563802;
        public const double C8 = 2.4801487366025675e-05;
        public const double C9 = 2.755724236744966e-06;
        public const double C10 = 2.7632640675430235e-07;
        public const double C11 = 2.5110038296727242e-08;
    }

    private static class LogF
    {
        // (bits + SpecialAdd) as int32 > SpecialLimit  <=>  x is not a positive finite normal (NaN, inf, 0, subnormal, negative).
        public const uint SpecialAdd = 0x7F800000u;
        public const int SpecialLimit = unchecked((int)0xFEFFFFFFu);
        // bits + MantissaAdd carries into the exponent exactly when the mantissa is >= sqrt(1/2)'s (0x3F3504F3),
        // so m = x / 2^k lands in [sqrt(1/2), sqrt(2)).
        public const uint MantissaAdd = 0x004AFB0Du;  // 0x3F800000 - 0x3F3504F3
        public const uint ExponentMask = 0xFF800000u;
        public const uint One = 0x3F800000u;
        public const int Bias = 127;
        public const int SubnormalBias = 127 + 23;
        public const float SubnormalScale = 8388608.0f; // 2^23
        public const float MinNormal = 1.17549435E-38f;
        public const float Ln2Hi = 0.693147182464599609375f;
        public const float Ln2Lo = -1.9046542121259336e-09f;
        // log1p(f) ~ f + f^2 (P0 + P1 f + ... + P8 f^8) on [sqrt(1/2) - 1, sqrt(2) - 1], minimax relative error 4.1e-9 (2^-27.9).
        public const float P0 = -0.49999988079071045f;
        public const float P1 = 0.33333325386047363f;
        public const float P2 = -0.25001582503318787f;
        public const float P3 = 0.2000197321176529f;
        public const float P4 = -0.16609083116054535f;
        public const float P5 = 0.14181825518608093f;
        public const float P6 = -0.13242988288402557f;
        public const float P7 = 0.1290443390607834f;
        public const float P8 = -0.07621779292821884f;
    }

    private static class LogD
    {
        public const ulong SpecialAdd = 0x7FF0000000000000ul;
        public const long SpecialLimit = unchecked((long)0xFFDFFFFFFFFFFFFFul);
        public const ulong MantissaAdd = 0x00095F619980C433ul;  // 0x3FF0000000000000 - bits(sqrt(1/2))
        public const ulong ExponentMask = 0xFFF0000000000000ul;
        public const ulong One = 0x3FF0000000000000ul;
        public const ulong TwoPow52Bits = 0x4330000000000000ul;  // 2^52: (bits | small int) is 2^52 + that int
        public const double Bias = 4503599627371519.0;           // 2^52 + 1023
        public const double SubnormalBias = 4503599627371573.0;  // 2^52 + 1023 + 54
        public const double SubnormalScale = 18014398509481984.0; // 2^54
        public const double MinNormal = 2.2250738585072014E-308;
        // fdlibm e_log.c: ln2 split so k * Ln2Hi is exact, and the minimax R(z) ~ Lg1 z + ... + Lg7 z^7 with
        // log1p(f) = f - hfsq + s (hfsq + R), s = f / (2 + f), z = s^2, |error of R| < 2^-58.45.
        public const double Ln2Hi = 6.93147180369123816490e-01;
        public const double Ln2Lo = 1.90821492927058770002e-10;
        public const double Lg1 = 6.666666666666735130e-01;
        public const double Lg2 = 3.999999999940941908e-01;
        public const double Lg3 = 2.857142874366239149e-01;
        public const double Lg4 = 2.222219843214978396e-01;
        public const double Lg5 = 1.818357216161805012e-01;
        public const double Lg6 = 1.531383769920937332e-01;
        public const double Lg7 = 1.479819860511658591e-01;
    }

    // ------------------------------------------------------------------ scalar entry points (run the Vector128 code)

    /// <summary>e^x, bit-identical to every lane of the vector overloads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => Exp(Vector128.Create(x)).ToScalar();

    /// <summary>e^x, bit-identical to every lane of the vector overloads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Exp(double x) => Exp(Vector128.Create(x)).ToScalar();

    /// <summary>ln x, bit-identical to every lane of the vector overloads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => Log(Vector128.Create(x)).ToScalar();

    /// <summary>ln x, bit-identical to every lane of the vector overloads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Log(double x) => Log(Vector128.Create(x)).ToScalar();

    // ------------------------------------------------------------------ generic dispatchers (T is float or double; JIT-folded)

    /// <summary>e^x for <typeparamref name="T"/> = <see cref="float"/> or <see cref="double"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(T x)
    {
        if (typeof(T) == typeof(float)) { float r = Exp(Unsafe.As<T, float>(ref x)); return Unsafe.As<float, T>(ref r); }
        if (typeof(T) == typeof(double)) { double r = Exp(Unsafe.As<T, double>(ref x)); return Unsafe.As<double, T>(ref r); }
        return ThrowNotSupported<T, T>();
    }

    /// <summary>ln x for <typeparamref name="T"/> = <see cref="float"/> or <see cref="double"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log<T>(T x)
    {
        if (typeof(T) == typeof(float)) { float r = Log(Unsafe.As<T, float>(ref x)); return Unsafe.As<float, T>(ref r); }
        if (typeof(T) == typeof(double)) { double r = Log(Unsafe.As<T, double>(ref x)); return Unsafe.As<double, T>(ref r); }
        return ThrowNotSupported<T, T>();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TResult ThrowNotSupported<T, TResult>()
        => throw new NotSupportedException($"VectorMath supports float and double, not {typeof(T)}.");
}
