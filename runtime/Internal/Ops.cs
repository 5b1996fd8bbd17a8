using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Internal;

/// <summary>
/// Scalar functions of the expression language that <see cref="INumberBase{TSelf}"/> does not provide, and the
/// helpers derivative rules produce (PyTorch's conventions at kinks). Used by generated kernels.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Ops
{
    /// <summary>1 / (1 + exp(-a)), without overflow for any a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T a) where T : IFloatingPointIeee754<T>
    {
        if (a >= T.Zero)
        {
            return T.One / (T.One + T.Exp(-a));
        }

        T e = T.Exp(a);
        return e / (T.One + e);
    }

    /// <summary>log(1 + exp(a)) = max(a, 0) + log1p(exp(-|a|)), stable for every a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Softplus<T>(T a) where T : IFloatingPointIeee754<T>
    {
        if (T.IsNaN(a))
        {
            return a;
        }

        return T.Max(a, T.Zero) + Log1p(T.Exp(-T.Abs(a)));
    }

    /// <summary>log(sigmoid(a)) = -softplus(-a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LogSigmoid<T>(T a) where T : IFloatingPointIeee754<T> => -Softplus(-a);

    /// <summary>max(a, 0); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Relu<T>(T a) where T : IFloatingPointIeee754<T> => a > T.Zero ? a : T.IsNaN(a) ? a : T.Zero;

    /// <summary>min(max(a, lo), hi), as torch.clamp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Clamp<T>(T a, T lo, T hi) where T : IFloatingPointIeee754<T> => T.Min(T.Max(a, lo), hi);

    /// <summary>-1, 0 or 1 (the derivative of abs, 0 at 0 as in PyTorch); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sign<T>(T a) where T : IFloatingPointIeee754<T> => a > T.Zero ? T.One : a < T.Zero ? -T.One : a == T.Zero ? T.Zero : a;

    /// <summary>1 where a &gt; 0, else 0 (the derivative of relu, 0 at 0 as in PyTorch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Step<T>(T a) where T : IFloatingPointIeee754<T> => a > T.Zero ? T.One : T.Zero;

    /// <summary>1 where a &lt; b, 0.5 where a == b, else 0: the share of a in min(a, b) (torch.minimum splits ties).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SmallerGrad<T>(T a, T b) where T : IFloatingPointIeee754<T> =>
        a < b ? T.One : a == b ? T.One / (T.One + T.One) : T.Zero;

    /// <summary>1 where a &lt; b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Less<T>(T a, T b) where T : IFloatingPointIeee754<T> => a < b ? T.One : T.Zero;

    /// <summary>1 where a == b, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Equal<T>(T a, T b) where T : IFloatingPointIeee754<T> => a == b ? T.One : T.Zero;

    /// <summary>1 where lo &lt;= a &lt;= hi, else 0 (the derivative of clamp, passing at the bounds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Inside<T>(T a, T lo, T hi) where T : IFloatingPointIeee754<T> => a >= lo && a <= hi ? T.One : T.Zero;

    /// <summary>n * a^(n - 1), and 0 where n == 0 (PyTorch's pow backward).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T PowBaseGrad<T>(T a, T n) where T : IFloatingPointIeee754<T> => n == T.Zero ? T.Zero : n * T.Pow(a, n - T.One);

    /// <summary>a^n * log(a) (the derivative in the exponent), and 0 where a == 0 and n &gt;= 0 (PyTorch's pow backward).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T PowExponentGrad<T>(T a, T n, T power) where T : IFloatingPointIeee754<T> =>
        a == T.Zero && n >= T.Zero ? T.Zero : power * T.Log(a);

    /// <summary>a where finite, else 0: the shift of a stable log-sum-exp (all classes masked, or an infinite logit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FiniteOrZero<T>(T a) where T : IFloatingPointIeee754<T> => T.IsFinite(a) ? a : T.Zero;

    /// <summary>a * log(b), and 0 where a == 0 (torch.xlogy); NaN where b is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T XLogY<T>(T a, T b) where T : IFloatingPointIeee754<T> => a == T.Zero && !T.IsNaN(b) ? T.Zero : a * T.Log(b);

    /// <summary>The derivative of xlogy in a: log(b), and 0 where a == 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T XLogYGrad<T>(T a, T b) where T : IFloatingPointIeee754<T> => a == T.Zero ? T.Zero : T.Log(b);

    /// <summary>-(y * max(log(p), -100) + (1 - y) * max(log(1 - p), -100)), as torch.binary_cross_entropy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T BinaryCrossEntropy<T>(T p, T y) where T : IFloatingPointIeee754<T>
    {
        T floor = T.CreateTruncating(-100);
        T logP = T.Max(T.Log(p), floor);
        T log1mP = T.Max(T.Log(T.One - p), floor);
        return -(y * logP + (T.One - y) * log1mP);
    }

    /// <summary>The derivative of binary cross entropy in p, as torch: (p - y) / max(p * (1 - p), 1e-12).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T BinaryCrossEntropyGrad<T>(T p, T y) where T : IFloatingPointIeee754<T> =>
        (p - y) / T.Max((T.One - p) * p, T.CreateTruncating(1e-12));

    /// <summary>The derivative of binary cross entropy in y: max(log(1 - p), -100) - max(log(p), -100).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T BinaryCrossEntropyTargetGrad<T>(T p) where T : IFloatingPointIeee754<T>
    {
        T floor = T.CreateTruncating(-100);
        return T.Max(T.Log(T.One - p), floor) - T.Max(T.Log(p), floor);
    }

    /// <summary>y * log(y) - y + 0.5 * log(2 * pi * y) where y &gt; 1, else 0 (torch.poisson_nll_loss with full=True).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Stirling<T>(T y) where T : IFloatingPointIeee754<T> =>
        y > T.One ? y * T.Log(y) - y + T.CreateTruncating(0.5) * T.Log(T.CreateTruncating(2 * Math.PI) * y) : T.Zero;

    /// <summary>The derivative of <see cref="Stirling{T}"/>: log(y) + 0.5 / y where y &gt; 1, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T StirlingGrad<T>(T y) where T : IFloatingPointIeee754<T> =>
        y > T.One ? T.Log(y) + T.CreateTruncating(0.5) / y : T.Zero;

    /// <summary>
    /// log(cosh(a)), finite for every finite a: log1p(2 sinh(a/2)^2) where |a| &lt; 1 (no cancellation near 0), else
    /// |a| + log1p(exp(-2|a|)) - log(2) (no overflow for large |a|). NaN stays NaN.
    /// </summary>
    public static T LogCosh<T>(T a) where T : IFloatingPointIeee754<T>
    {
        T magnitude = T.Abs(a);
        if (magnitude < T.One)
        {
            T half = T.Sinh(a / (T.One + T.One));
            return Log1p((T.One + T.One) * half * half);
        }

        return magnitude + Log1p(T.Exp(-(magnitude + magnitude))) - T.CreateTruncating(0.6931471805599453);
    }

    /// <summary>log(1 + u), accurate near 0 (the generic LogP1 of .NET is log(1 + u) as written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log1p<T>(T u) where T : IFloatingPointIeee754<T>
    {
        T w = T.One + u;
        if (w == T.One)
        {
            return u;
        }

        // Correct for the rounding of 1 + u (exact when w is finite and not 1).
        return T.IsFinite(w) ? T.Log(w) - ((w - T.One) - u) / w : T.Log(w);
    }

    /// <summary>exp(a) - 1, accurate near 0 (Kahan's method; the generic ExpM1 of .NET is exp(a) - 1 as written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Expm1<T>(T a) where T : IFloatingPointIeee754<T>
    {
        T u = T.Exp(a);
        if (u == T.One)
        {
            return a;
        }

        T um1 = u - T.One;
        if (um1 == -T.One || !T.IsFinite(u))
        {
            return um1;
        }

        return um1 * a / T.Log(u);
    }
}
