// Rendered from VectorOps.Width.template at 512 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

public static partial class VectorOps
{
    /// <summary>The largest lane (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross<T>(Vector512<T> v) where T : IFloatingPointIeee754<T>
    {
        T result = v.GetElement(0);
        for (int i = 1; i < Vector512<T>.Count; i++)
        {
            result = T.Max(result, v.GetElement(i));
        }

        return result;
    }

    /// <summary>The smallest lane (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MinAcross<T>(Vector512<T> v) where T : IFloatingPointIeee754<T>
    {
        T result = v.GetElement(0);
        for (int i = 1; i < Vector512<T>.Count; i++)
        {
            result = T.Min(result, v.GetElement(i));
        }

        return result;
    }

    /// <summary>1 in the lane of class <paramref name="target"/> among classes c .. c + Count - 1, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> OneHot512<T>(nint c, nint target) where T : IFloatingPointIeee754<T>
    {
        nint lane = target - c;
        return (nuint)lane < (nuint)Vector512<T>.Count ? Vector512<T>.Zero.WithElement((int)lane, T.One) : Vector512<T>.Zero;
    }

    private static Vector512<T> Select<T>(Vector512<T> mask, Vector512<T> yes, Vector512<T> no) => Vector512.ConditionalSelect(mask, yes, no);

    /// <summary>1 / (1 + exp(-a)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sigmoid<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> =>
        Vector512<T>.One / (Vector512<T>.One + VectorMath.Exp(-a));

    /// <summary>log(1 + u), accurate for small u (the classic correction of log(1 + u)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log1p<T>(Vector512<T> u) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> w = Vector512<T>.One + u;
        Vector512<T> corrected = VectorMath.Log(w) - ((w - Vector512<T>.One) - u) / w;
        // Where 1 + u rounds to 1, log1p(u) is u itself.
        return Select(Vector512.Equals(w, Vector512<T>.One), u, corrected);
    }

    /// <summary>max(a, 0) + log1p(exp(-|a|)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Softplus<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> =>
        Vector512.Max(a, Vector512<T>.Zero) + Log1p(VectorMath.Exp(-Vector512.Abs(a)));

    /// <summary>-softplus(-a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LogSigmoid<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> => -Softplus(-a);

    /// <summary>max(a, 0), NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Relu<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.LessThanOrEqual(a, Vector512<T>.Zero), Vector512<T>.Zero, a);

    /// <summary>min(max(a, lo), hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Clamp<T>(Vector512<T> a, Vector512<T> lo, Vector512<T> hi) where T : IFloatingPointIeee754<T> =>
        Vector512.Min(Vector512.Max(a, lo), hi);

    /// <summary>-1, 0 or 1; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sign<T>(Vector512<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> sign = Select(Vector512.GreaterThan(a, Vector512<T>.Zero), Vector512<T>.One, Vector512<T>.Zero)
            - Select(Vector512.LessThan(a, Vector512<T>.Zero), Vector512<T>.One, Vector512<T>.Zero);
        return Select(Vector512.Equals(a, a), sign, a);
    }

    /// <summary>1 where a &gt; 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Step<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.GreaterThan(a, Vector512<T>.Zero), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>1 where a &lt; b, 0.5 where a == b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SmallerGrad<T>(Vector512<T> a, Vector512<T> b) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> half = Vector512.Create(T.One / (T.One + T.One));
        return Select(Vector512.LessThan(a, b), Vector512<T>.One, Select(Vector512.Equals(a, b), half, Vector512<T>.Zero));
    }

    /// <summary>1 where a &lt; b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Less<T>(Vector512<T> a, Vector512<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.LessThan(a, b), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>1 where a == b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Equal<T>(Vector512<T> a, Vector512<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.Equals(a, b), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>1 where a &lt;= b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessOrEqual<T>(Vector512<T> a, Vector512<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.LessThanOrEqual(a, b), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>1 where a != b or either is NaN, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> NotEqual<T>(Vector512<T> a, Vector512<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.Equals(a, b), Vector512<T>.Zero, Vector512<T>.One);

    /// <summary>a where cond is not 0, else b (cond is 1 or 0, a comparison's result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Where<T>(Vector512<T> cond, Vector512<T> a, Vector512<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.Equals(cond, Vector512<T>.Zero), b, a);

    /// <summary>1 where lo &lt;= a &lt;= hi, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Inside<T>(Vector512<T> a, Vector512<T> lo, Vector512<T> hi) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.GreaterThanOrEqual(a, lo) & Vector512.LessThanOrEqual(a, hi), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>a * log(b), 0 where a == 0 (unless b is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> XLogY<T>(Vector512<T> a, Vector512<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.Equals(a, Vector512<T>.Zero) & Vector512.Equals(b, b), Vector512<T>.Zero, a * VectorMath.Log(b));

    /// <summary>log(b), 0 where a == 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> XLogYGrad<T>(Vector512<T> a, Vector512<T> b) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.Equals(a, Vector512<T>.Zero), Vector512<T>.Zero, VectorMath.Log(b));

    /// <summary>PyTorch's binary cross entropy, logs clamped at -100.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BinaryCrossEntropy<T>(Vector512<T> p, Vector512<T> y) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> floor = Vector512.Create(T.CreateTruncating(-100));
        Vector512<T> logP = Vector512.Max(VectorMath.Log(p), floor);
        Vector512<T> log1mP = Vector512.Max(VectorMath.Log(Vector512<T>.One - p), floor);
        return -(y * logP + (Vector512<T>.One - y) * log1mP);
    }

    /// <summary>(p - y) / max(p * (1 - p), 1e-12).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BinaryCrossEntropyGrad<T>(Vector512<T> p, Vector512<T> y) where T : IFloatingPointIeee754<T> =>
        (p - y) / Vector512.Max((Vector512<T>.One - p) * p, Vector512.Create(T.CreateTruncating(1e-12)));

    /// <summary>max(log(1 - p), -100) - max(log(p), -100).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BinaryCrossEntropyTargetGrad<T>(Vector512<T> p) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> floor = Vector512.Create(T.CreateTruncating(-100));
        return Vector512.Max(VectorMath.Log(Vector512<T>.One - p), floor) - Vector512.Max(VectorMath.Log(p), floor);
    }

    /// <summary><paramref name="value"/> in the lanes whose target is <paramref name="c"/>, <paramref name="current"/> elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Choose<T>(Vector512<T> targets, T c, Vector512<T> value, Vector512<T> current) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.Equals(targets, Vector512.Create(c)), value, current);

    /// <summary>1 / a per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Reciprocal<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> => Vector512<T>.One / a;

    /// <summary>
    /// tanh(a): the odd Taylor series (to a^13) where |a| &lt; 1/8, else sign(a) (1 - e) / (1 + e) with e = exp(-2|a|), which
    /// neither overflows nor cancels there. NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh<T>(Vector512<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> magnitude = Vector512.Abs(a);
        Vector512<T> z = a * a;
        Vector512<T> series = Vector512.Create(T.CreateTruncating(21844.0 / 6081075));
        series = series * z - Vector512.Create(T.CreateTruncating(1382.0 / 155925));
        series = series * z + Vector512.Create(T.CreateTruncating(62.0 / 2835));
        series = series * z - Vector512.Create(T.CreateTruncating(17.0 / 315));
        series = series * z + Vector512.Create(T.CreateTruncating(2.0 / 15));
        series = series * z - Vector512.Create(T.CreateTruncating(1.0 / 3));
        series = a + a * z * series;
        Vector512<T> e = VectorMath.Exp(-(magnitude + magnitude));
        Vector512<T> far = (Vector512<T>.One - e) / (Vector512<T>.One + e);
        far = Select(Vector512.LessThan(a, Vector512<T>.Zero), -far, far);
        return Select(Vector512.LessThan(magnitude, Vector512.Create(T.CreateTruncating(0.125))), series, far);
    }

    /// <summary>
    /// log(cosh(a)), finite for every finite a: the even Taylor series (to a^14) where |a| &lt; 1/8, else
    /// |a| + log1p(exp(-2|a|)) - log(2). NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LogCosh<T>(Vector512<T> a) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> magnitude = Vector512.Abs(a);
        Vector512<T> z = a * a;
        Vector512<T> series = Vector512.Create(T.CreateTruncating(10922.0 / 42567525));
        series = series * z - Vector512.Create(T.CreateTruncating(691.0 / 935550));
        series = series * z + Vector512.Create(T.CreateTruncating(31.0 / 14175));
        series = series * z - Vector512.Create(T.CreateTruncating(17.0 / 2520));
        series = series * z + Vector512.Create(T.CreateTruncating(1.0 / 45));
        series = series * z - Vector512.Create(T.CreateTruncating(1.0 / 12));
        series = series * z + Vector512.Create(T.CreateTruncating(0.5));
        series *= z;
        Vector512<T> far = magnitude + Log1p(VectorMath.Exp(-(magnitude + magnitude))) - Vector512.Create(T.CreateTruncating(0.6931471805599453));
        return Select(Vector512.LessThan(magnitude, Vector512.Create(T.CreateTruncating(0.125))), series, far);
    }

    /// <summary>a where finite, else 0, per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FiniteOrZero<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> =>
        Select(Vector512.Equals(a - a, Vector512<T>.Zero), a, Vector512<T>.Zero);

    /// <summary>All bits set in lanes 0 .. <paramref name="count"/> - 1, clear in the rest (the mask of a class loop's last step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> TailMask512<T>(nint count) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((int)count)).As<int, T>();
        }

        return Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).As<long, T>();
    }

    /// <summary>Stores lane i at <paramref name="start"/> + i * <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scatter<T>(Vector512<T> value, ref T start, nint stride) where T : IFloatingPointIeee754<T>
    {
        // Spilled once, then copied lane by lane: cheaper than extracting each lane from the register.
        ref T lanes = ref Unsafe.As<Vector512<T>, T>(ref value);
        for (int i = 0; i < Vector512<T>.Count; i++)
        {
            Unsafe.Add(ref start, i * stride) = Unsafe.Add(ref lanes, i);
        }
    }

    /// <summary>
    /// For Expand: the permutation that sends each element of flat vector <paramref name="block"/> of a block of rows
    /// (Count rows of <paramref name="classes"/> classes, row-major) to the lane of its row. Held as 32-bit lane indices
    /// in the bits of a vector of T.
    /// </summary>
    public static Vector512<T> ExpandIndices512<T>(int block, int classes) where T : IFloatingPointIeee754<T>
    {
        Vector512<int> index = Vector512<int>.Zero;
        for (int i = 0; i < Vector512<int>.Count; i++)
        {
            index = index.WithElement(i, ExpandIndex(i, Vector512<T>.Count, Vector512<int>.Count, block, classes));
        }

        return index.As<int, T>();
    }

    /// <summary>Lane i holds the class of element i of flat vector <paramref name="block"/> of a block of rows of <paramref name="classes"/> classes.</summary>
    public static Vector512<T> ClassIndices512<T>(int block, int classes) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> result = Vector512<T>.Zero;
        for (int i = 0; i < Vector512<T>.Count; i++)
        {
            result = result.WithElement(i, T.CreateTruncating(ClassOf(block, Vector512<T>.Count, i, classes)));
        }

        return result;
    }

    /// <summary>True if any lane equals <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains<T>(Vector512<T> lanes, T value) where T : IFloatingPointIeee754<T> =>
        Vector512.EqualsAny(lanes, Vector512.Create(value));
}
