// Rendered from VectorOps.Width.template at 256 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

public static partial class VectorOps
{
    /// <summary>The largest lane (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross<T>(Vector256<T> v) where T : IFloatingPointIeee754<T>
    {
        T result = v.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++)
        {
            result = T.Max(result, v.GetElement(i));
        }

        return result;
    }

    /// <summary>The smallest lane (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MinAcross<T>(Vector256<T> v) where T : IFloatingPointIeee754<T>
    {
        T result = v.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++)
        {
            result = T.Min(result, v.GetElement(i));
        }

        return result;
    }

    /// <summary>1 in the lane of class <paramref name="target"/> among classes c .. c + Count - 1, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> OneHot<T>(nint c, nint target) where T : IFloatingPointIeee754<T>
    {
        nint lane = target - c;
        return (nuint)lane < (nuint)Vector256<T>.Count ? Vector256<T>.Zero.WithElement((int)lane, T.One) : Vector256<T>.Zero;
    }

    private static Vector256<T> Select<T>(Vector256<T> mask, Vector256<T> yes, Vector256<T> no) => Vector256.ConditionalSelect(mask, yes, no);

    /// <summary>1 / (1 + exp(-a)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid<T>(Vector256<T> a) where T : IFloatingPointIeee754<T> =>
        Vector256<T>.One / (Vector256<T>.One + VectorMath.Exp(-a));

    /// <summary>log(1 + u), accurate for small u (the classic correction of log(1 + u)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log1p<T>(Vector256<T> u) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> w = Vector256<T>.One + u;
        Vector256<T> corrected = VectorMath.Log(w) - ((w - Vector256<T>.One) - u) / w;
        // Where 1 + u rounds to 1, log1p(u) is u itself.
        return Select(Vector256.Equals(w, Vector256<T>.One), u, corrected);
    }

    /// <summary>max(a, 0) + log1p(exp(-|a|)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Softplus<T>(Vector256<T> a) where T : IFloatingPointIeee754<T> =>
        Vector256.Max(a, Vector256<T>.Zero) + Log1p(VectorMath.Exp(-Vector256.Abs(a)));

    /// <summary>-softplus(-a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LogSigmoid<T>(Vector256<T> a) where T : IFloatingPointIeee754<T> => -Softplus(-a);

    /// <summary>max(a, 0), NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Relu<T>(Vector256<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.LessThanOrEqual(a, Vector256<T>.Zero), Vector256<T>.Zero, a);

    /// <summary>min(max(a, lo), hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Clamp<T>(Vector256<T> a, Vector256<T> lo, Vector256<T> hi) where T : IFloatingPointIeee754<T> =>
        Vector256.Min(Vector256.Max(a, lo), hi);

    /// <summary>-1, 0 or 1; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sign<T>(Vector256<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> sign = Select(Vector256.GreaterThan(a, Vector256<T>.Zero), Vector256<T>.One, Vector256<T>.Zero)
            - Select(Vector256.LessThan(a, Vector256<T>.Zero), Vector256<T>.One, Vector256<T>.Zero);
        return Select(Vector256.Equals(a, a), sign, a);
    }

    /// <summary>1 where a &gt; 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Step<T>(Vector256<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.GreaterThan(a, Vector256<T>.Zero), Vector256<T>.One, Vector256<T>.Zero);

    /// <summary>1 where a &lt; b, 0.5 where a == b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SmallerGrad<T>(Vector256<T> a, Vector256<T> b) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> half = Vector256.Create(T.One / (T.One + T.One));
        return Select(Vector256.LessThan(a, b), Vector256<T>.One, Select(Vector256.Equals(a, b), half, Vector256<T>.Zero));
    }

    /// <summary>1 where a &lt; b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Less<T>(Vector256<T> a, Vector256<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.LessThan(a, b), Vector256<T>.One, Vector256<T>.Zero);

    /// <summary>1 where a == b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Equal<T>(Vector256<T> a, Vector256<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.Equals(a, b), Vector256<T>.One, Vector256<T>.Zero);

    /// <summary>1 where a &lt;= b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LessOrEqual<T>(Vector256<T> a, Vector256<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.LessThanOrEqual(a, b), Vector256<T>.One, Vector256<T>.Zero);

    /// <summary>1 where a != b or either is NaN, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> NotEqual<T>(Vector256<T> a, Vector256<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.Equals(a, b), Vector256<T>.Zero, Vector256<T>.One);

    /// <summary>a where cond is not 0, else b (cond is 1 or 0, a comparison's result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Where<T>(Vector256<T> cond, Vector256<T> a, Vector256<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.Equals(cond, Vector256<T>.Zero), b, a);

    /// <summary>1 where lo &lt;= a &lt;= hi, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Inside<T>(Vector256<T> a, Vector256<T> lo, Vector256<T> hi) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.GreaterThanOrEqual(a, lo) & Vector256.LessThanOrEqual(a, hi), Vector256<T>.One, Vector256<T>.Zero);

    /// <summary>a * log(b), 0 where a == 0 (unless b is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> XLogY<T>(Vector256<T> a, Vector256<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.Equals(a, Vector256<T>.Zero) & Vector256.Equals(b, b), Vector256<T>.Zero, a * VectorMath.Log(b));

    /// <summary>log(b), 0 where a == 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> XLogYGrad<T>(Vector256<T> a, Vector256<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.Equals(a, Vector256<T>.Zero), Vector256<T>.Zero, VectorMath.Log(b));

    /// <summary>PyTorch's binary cross entropy, logs clamped at -100.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> BinaryCrossEntropy<T>(Vector256<T> p, Vector256<T> y) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> floor = Vector256.Create(T.CreateTruncating(-100));
        Vector256<T> logP = Vector256.Max(VectorMath.Log(p), floor);
        Vector256<T> log1mP = Vector256.Max(VectorMath.Log(Vector256<T>.One - p), floor);
        return -(y * logP + (Vector256<T>.One - y) * log1mP);
    }

    /// <summary>(p - y) / max(p * (1 - p), 1e-12).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> BinaryCrossEntropyGrad<T>(Vector256<T> p, Vector256<T> y) where T : IFloatingPointIeee754<T> =>
        (p - y) / Vector256.Max((Vector256<T>.One - p) * p, Vector256.Create(T.CreateTruncating(1e-12)));

    /// <summary>max(log(1 - p), -100) - max(log(p), -100).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> BinaryCrossEntropyTargetGrad<T>(Vector256<T> p) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> floor = Vector256.Create(T.CreateTruncating(-100));
        return Vector256.Max(VectorMath.Log(Vector256<T>.One - p), floor) - Vector256.Max(VectorMath.Log(p), floor);
    }

    /// <summary><paramref name="value"/> in the lanes whose target is <paramref name="c"/>, <paramref name="current"/> elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Choose<T>(Vector256<T> targets, T c, Vector256<T> value, Vector256<T> current) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.Equals(targets, Vector256.Create(c)), value, current);

    /// <summary>1 / a per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Reciprocal<T>(Vector256<T> a) where T : IFloatingPointIeee754<T> => Vector256<T>.One / a;

    /// <summary>
    /// tanh(a): the odd Taylor series (to a^13) where |a| &lt; 1/8, else sign(a) (1 - e) / (1 + e) with e = exp(-2|a|), which
    /// neither overflows nor cancels there. NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh<T>(Vector256<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> magnitude = Vector256.Abs(a);
        Vector256<T> z = a * a;
        Vector256<T> series = Vector256.Create(T.CreateTruncating(21844.0 / 6081075));
        series = series * z - Vector256.Create(T.CreateTruncating(1382.0 / 155925));
        series = series * z + Vector256.Create(T.CreateTruncating(62.0 / 2835));
        series = series * z - Vector256.Create(T.CreateTruncating(17.0 / 315));
        series = series * z + Vector256.Create(T.CreateTruncating(2.0 / 15));
        series = series * z - Vector256.Create(T.CreateTruncating(1.0 / 3));
        series = a + a * z * series;
        Vector256<T> e = VectorMath.Exp(-(magnitude + magnitude));
        Vector256<T> far = (Vector256<T>.One - e) / (Vector256<T>.One + e);
        far = Select(Vector256.LessThan(a, Vector256<T>.Zero), -far, far);
        return Select(Vector256.LessThan(magnitude, Vector256.Create(T.CreateTruncating(0.125))), series, far);
    }

    /// <summary>
    /// log(cosh(a)), finite for every finite a: the even Taylor series (to a^14) where |a| &lt; 1/8, else
    /// |a| + log1p(exp(-2|a|)) - log(2). NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LogCosh<T>(Vector256<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> magnitude = Vector256.Abs(a);
        Vector256<T> z = a * a;
        Vector256<T> series = Vector256.Create(T.CreateTruncating(10922.0 / 42567525));
        series = series * z - Vector256.Create(T.CreateTruncating(691.0 / 935550));
        series = series * z + Vector256.Create(T.CreateTruncating(31.0 / 14175));
        series = series * z - Vector256.Create(T.CreateTruncating(17.0 / 2520));
        series = series * z + Vector256.Create(T.CreateTruncating(1.0 / 45));
        series = series * z - Vector256.Create(T.CreateTruncating(1.0 / 12));
        series = series * z + Vector256.Create(T.CreateTruncating(0.5));
        series *= z;
        Vector256<T> far = magnitude + Log1p(VectorMath.Exp(-(magnitude + magnitude))) - Vector256.Create(T.CreateTruncating(0.6931471805599453));
        return Select(Vector256.LessThan(magnitude, Vector256.Create(T.CreateTruncating(0.125))), series, far);
    }

    /// <summary>a where finite, else 0, per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> FiniteOrZero<T>(Vector256<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector256.Equals(a - a, Vector256<T>.Zero), a, Vector256<T>.Zero);

    /// <summary>All bits set in lanes 0 .. <paramref name="count"/> - 1, clear in the rest (the mask of a class loop's last step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> TailMask<T>(nint count) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector256.LessThan(Vector256<int>.Indices, Vector256.Create((int)count)).As<int, T>();
        }

        return Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).As<long, T>();
    }

    /// <summary>Stores lane i at <paramref name="start"/> + i * <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scatter<T>(Vector256<T> value, ref T start, nint stride) where T : IFloatingPointIeee754<T>
    {
        // Spilled once, then copied lane by lane: cheaper than extracting each lane from the register.
        ref T lanes = ref Unsafe.As<Vector256<T>, T>(ref value);
        for (int i = 0; i < Vector256<T>.Count; i++)
        {
            Unsafe.Add(ref start, i * stride) = Unsafe.Add(ref lanes, i);
        }
    }

    /// <summary>
    /// For Expand: the permutation that sends each element of flat vector <paramref name="block"/> of a block of rows
    /// (Count rows of <paramref name="classes"/> classes, row-major) to the lane of its row. Held as 32-bit lane indices
    /// in the bits of a vector of T.
    /// </summary>
    public static Vector256<T> ExpandIndices<T>(int block, int classes) where T : IFloatingPointIeee754<T>
    {
        Vector256<int> index = Vector256<int>.Zero;
        for (int i = 0; i < Vector256<int>.Count; i++)
        {
            index = index.WithElement(i, ExpandIndex(i, Vector256<T>.Count, Vector256<int>.Count, block, classes));
        }

        return index.As<int, T>();
    }

    /// <summary>Lane i holds the class of element i of flat vector <paramref name="block"/> of a block of rows of <paramref name="classes"/> classes.</summary>
    public static Vector256<T> ClassIndices<T>(int block, int classes) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> result = Vector256<T>.Zero;
        for (int i = 0; i < Vector256<T>.Count; i++)
        {
            result = result.WithElement(i, T.CreateTruncating(ClassOf(block, Vector256<T>.Count, i, classes)));
        }

        return result;
    }

    /// <summary>True if any lane equals <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains<T>(Vector256<T> lanes, T value) where T : IFloatingPointIeee754<T> =>
        Vector256.EqualsAny(lanes, Vector256.Create(value));
}
