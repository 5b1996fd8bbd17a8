// Rendered from VectorOps.Width.template at 128 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

public static partial class VectorOps
{
    /// <summary>The largest lane (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross<T>(Vector128<T> v) where T : IFloatingPointIeee754<T>
    {
        T result = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++)
        {
            result = T.Max(result, v.GetElement(i));
        }

        return result;
    }

    /// <summary>The smallest lane (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MinAcross<T>(Vector128<T> v) where T : IFloatingPointIeee754<T>
    {
        T result = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++)
        {
            result = T.Min(result, v.GetElement(i));
        }

        return result;
    }

    /// <summary>1 in the lane of class <paramref name="target"/> among classes c .. c + Count - 1, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> OneHot128<T>(nint c, nint target) where T : IFloatingPointIeee754<T>
    {
        nint lane = target - c;
        return (nuint)lane < (nuint)Vector128<T>.Count ? Vector128<T>.Zero.WithElement((int)lane, T.One) : Vector128<T>.Zero;
    }

    private static Vector128<T> Select<T>(Vector128<T> mask, Vector128<T> yes, Vector128<T> no) => Vector128.ConditionalSelect(mask, yes, no);

    /// <summary>1 / (1 + exp(-a)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sigmoid<T>(Vector128<T> a) where T : IFloatingPointIeee754<T> =>
        Vector128<T>.One / (Vector128<T>.One + VectorMath.Exp(-a));

    /// <summary>log(1 + u), accurate for small u (the classic correction of log(1 + u)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log1p<T>(Vector128<T> u) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> w = Vector128<T>.One + u;
        Vector128<T> corrected = VectorMath.Log(w) - ((w - Vector128<T>.One) - u) / w;
        // Where 1 + u rounds to 1, log1p(u) is u itself.
        return Select(Vector128.Equals(w, Vector128<T>.One), u, corrected);
    }

    /// <summary>max(a, 0) + log1p(exp(-|a|)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Softplus<T>(Vector128<T> a) where T : IFloatingPointIeee754<T> =>
        Vector128.Max(a, Vector128<T>.Zero) + Log1p(VectorMath.Exp(-Vector128.Abs(a)));

    /// <summary>-softplus(-a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LogSigmoid<T>(Vector128<T> a) where T : IFloatingPointIeee754<T> => -Softplus(-a);

    /// <summary>max(a, 0), NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Relu<T>(Vector128<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.LessThanOrEqual(a, Vector128<T>.Zero), Vector128<T>.Zero, a);

    /// <summary>min(max(a, lo), hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Clamp<T>(Vector128<T> a, Vector128<T> lo, Vector128<T> hi) where T : IFloatingPointIeee754<T> =>
        Vector128.Min(Vector128.Max(a, lo), hi);

    /// <summary>-1, 0 or 1; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sign<T>(Vector128<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> sign = Select(Vector128.GreaterThan(a, Vector128<T>.Zero), Vector128<T>.One, Vector128<T>.Zero)
            - Select(Vector128.LessThan(a, Vector128<T>.Zero), Vector128<T>.One, Vector128<T>.Zero);
        return Select(Vector128.Equals(a, a), sign, a);
    }

    /// <summary>1 where a &gt; 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Step<T>(Vector128<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.GreaterThan(a, Vector128<T>.Zero), Vector128<T>.One, Vector128<T>.Zero);

    /// <summary>1 where a &lt; b, 0.5 where a == b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> SmallerGrad<T>(Vector128<T> a, Vector128<T> b) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> half = Vector128.Create(T.One / (T.One + T.One));
        return Select(Vector128.LessThan(a, b), Vector128<T>.One, Select(Vector128.Equals(a, b), half, Vector128<T>.Zero));
    }

    /// <summary>1 where a &lt; b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Less<T>(Vector128<T> a, Vector128<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.LessThan(a, b), Vector128<T>.One, Vector128<T>.Zero);

    /// <summary>1 where a == b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Equal<T>(Vector128<T> a, Vector128<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.Equals(a, b), Vector128<T>.One, Vector128<T>.Zero);

    /// <summary>1 where a &lt;= b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LessOrEqual<T>(Vector128<T> a, Vector128<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.LessThanOrEqual(a, b), Vector128<T>.One, Vector128<T>.Zero);

    /// <summary>1 where a != b or either is NaN, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> NotEqual<T>(Vector128<T> a, Vector128<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.Equals(a, b), Vector128<T>.Zero, Vector128<T>.One);

    /// <summary>a where cond is not 0, else b (cond is 1 or 0, a comparison's result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Where<T>(Vector128<T> cond, Vector128<T> a, Vector128<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.Equals(cond, Vector128<T>.Zero), b, a);

    /// <summary>1 where lo &lt;= a &lt;= hi, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Inside<T>(Vector128<T> a, Vector128<T> lo, Vector128<T> hi) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.GreaterThanOrEqual(a, lo) & Vector128.LessThanOrEqual(a, hi), Vector128<T>.One, Vector128<T>.Zero);

    /// <summary>a * log(b), 0 where a == 0 (unless b is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> XLogY<T>(Vector128<T> a, Vector128<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.Equals(a, Vector128<T>.Zero) & Vector128.Equals(b, b), Vector128<T>.Zero, a * VectorMath.Log(b));

    /// <summary>log(b), 0 where a == 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> XLogYGrad<T>(Vector128<T> a, Vector128<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.Equals(a, Vector128<T>.Zero), Vector128<T>.Zero, VectorMath.Log(b));

    /// <summary>PyTorch's binary cross entropy, logs clamped at -100.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> BinaryCrossEntropy<T>(Vector128<T> p, Vector128<T> y) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> floor = Vector128.Create(T.CreateTruncating(-100));
        Vector128<T> logP = Vector128.Max(VectorMath.Log(p), floor);
        Vector128<T> log1mP = Vector128.Max(VectorMath.Log(Vector128<T>.One - p), floor);
        return -(y * logP + (Vector128<T>.One - y) * log1mP);
    }

    /// <summary>(p - y) / max(p * (1 - p), 1e-12).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> BinaryCrossEntropyGrad<T>(Vector128<T> p, Vector128<T> y) where T : IFloatingPointIeee754<T> =>
        (p - y) / Vector128.Max((Vector128<T>.One - p) * p, Vector128.Create(T.CreateTruncating(1e-12)));

    /// <summary>max(log(1 - p), -100) - max(log(p), -100).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> BinaryCrossEntropyTargetGrad<T>(Vector128<T> p) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> floor = Vector128.Create(T.CreateTruncating(-100));
        return Vector128.Max(VectorMath.Log(Vector128<T>.One - p), floor) - Vector128.Max(VectorMath.Log(p), floor);
    }

    /// <summary><paramref name="value"/> in the lanes whose target is <paramref name="c"/>, <paramref name="current"/> elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Choose<T>(Vector128<T> targets, T c, Vector128<T> value, Vector128<T> current) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.Equals(targets, Vector128.Create(c)), value, current);

    /// <summary>1 / a per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Reciprocal<T>(Vector128<T> a) where T : IFloatingPointIeee754<T> => Vector128<T>.One / a;

    /// <summary>
    /// tanh(a): the odd Taylor series (to a^13) where |a| &lt; 1/8, else sign(a) (1 - e) / (1 + e) with e = exp(-2|a|), which
    /// neither overflows nor cancels there. NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Tanh<T>(Vector128<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> magnitude = Vector128.Abs(a);
        Vector128<T> z = a * a;
        Vector128<T> series = Vector128.Create(T.CreateTruncating(21844.0 / 6081075));
        series = series * z - Vector128.Create(T.CreateTruncating(1382.0 / 155925));
        series = series * z + Vector128.Create(T.CreateTruncating(62.0 / 2835));
        series = series * z - Vector128.Create(T.CreateTruncating(17.0 / 315));
        series = series * z + Vector128.Create(T.CreateTruncating(2.0 / 15));
        series = series * z - Vector128.Create(T.CreateTruncating(1.0 / 3));
        series = a + a * z * series;
        Vector128<T> e = VectorMath.Exp(-(magnitude + magnitude));
        Vector128<T> far = (Vector128<T>.One - e) / (Vector128<T>.One + e);
        far = Select(Vector128.LessThan(a, Vector128<T>.Zero), -far, far);
        return Select(Vector128.LessThan(magnitude, Vector128.Create(T.CreateTruncating(0.125))), series, far);
    }

    /// <summary>
    /// log(cosh(a)), finite for every finite a: the even Taylor series (to a^14) where |a| &lt; 1/8, else
    /// |a| + log1p(exp(-2|a|)) - log(2). NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LogCosh<T>(Vector128<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> magnitude = Vector128.Abs(a);
        Vector128<T> z = a * a;
        Vector128<T> series = Vector128.Create(T.CreateTruncating(10922.0 / 42567525));
        series = series * z - Vector128.Create(T.CreateTruncating(691.0 / 935550));
        series = series * z + Vector128.Create(T.CreateTruncating(31.0 / 14175));
        series = series * z - Vector128.Create(T.CreateTruncating(17.0 / 2520));
        series = series * z + Vector128.Create(T.CreateTruncating(1.0 / 45));
        series = series * z - Vector128.Create(T.CreateTruncating(1.0 / 12));
        series = series * z + Vector128.Create(T.CreateTruncating(0.5));
        series *= z;
        Vector128<T> far = magnitude + Log1p(VectorMath.Exp(-(magnitude + magnitude))) - Vector128.Create(T.CreateTruncating(0.6931471805599453));
        return Select(Vector128.LessThan(magnitude, Vector128.Create(T.CreateTruncating(0.125))), series, far);
    }

    /// <summary>a where finite, else 0, per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> FiniteOrZero<T>(Vector128<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector128.Equals(a - a, Vector128<T>.Zero), a, Vector128<T>.Zero);

    /// <summary>All bits set in lanes 0 .. <paramref name="count"/> - 1, clear in the rest (the mask of a class loop's last step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> TailMask128<T>(nint count) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector128.LessThan(Vector128<int>.Indices, Vector128.Create((int)count)).As<int, T>();
        }

        return Vector128.LessThan(Vector128<long>.Indices, Vector128.Create((long)count)).As<long, T>();
    }

    /// <summary>Stores lane i at <paramref name="start"/> + i * <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scatter<T>(Vector128<T> value, ref T start, nint stride) where T : IFloatingPointIeee754<T>
    {
        // Spilled once, then copied lane by lane: cheaper than extracting each lane from the register.
        ref T lanes = ref Unsafe.As<Vector128<T>, T>(ref value);
        for (int i = 0; i < Vector128<T>.Count; i++)
        {
            Unsafe.Add(ref start, i * stride) = Unsafe.Add(ref lanes, i);
        }
    }

    /// <summary>
    /// For Expand: the permutation that sends each element of flat vector <paramref name="block"/> of a block of rows
    /// (Count rows of <paramref name="classes"/> classes, row-major) to the lane of its row. Held as 32-bit lane indices
    /// in the bits of a vector of T.
    /// </summary>
    public static Vector128<T> ExpandIndices128<T>(int block, int classes) where T : IFloatingPointIeee754<T>
    {
        Vector128<int> index = Vector128<int>.Zero;
        for (int i = 0; i < Vector128<int>.Count; i++)
        {
            index = index.WithElement(i, ExpandIndex(i, Vector128<T>.Count, Vector128<int>.Count, block, classes));
        }

        return index.As<int, T>();
    }

    /// <summary>Lane i holds the class of element i of flat vector <paramref name="block"/> of a block of rows of <paramref name="classes"/> classes.</summary>
    public static Vector128<T> ClassIndices128<T>(int block, int classes) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> result = Vector128<T>.Zero;
        for (int i = 0; i < Vector128<T>.Count; i++)
        {
            result = result.WithElement(i, T.CreateTruncating(ClassOf(block, Vector128<T>.Count, i, classes)));
        }

        return result;
    }

    /// <summary>True if any lane equals <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains<T>(Vector128<T> lanes, T value) where T : IFloatingPointIeee754<T> =>
        Vector128.EqualsAny(lanes, Vector128.Create(value));
}
