using System.ComponentModel;
using System.Numerics;

namespace LossGen.Internal;

/// <summary>
/// One vector width, as generated kernels see it: <typeparamref name="TVector"/> is the width's vector of
/// <typeparamref name="T"/>, and every operation a kernel does on vectors is a static member here. A kernel's vector
/// code is written once, generic over the width; the JIT compiles it once per width it runs
/// (<see cref="Width512{T}"/>, <see cref="Width256{T}"/>, <see cref="Width128{T}"/>, each a struct whose members are
/// inlined to the width's instructions). The members forward to <see cref="VectorOps"/> and <see cref="VectorMath"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IKernelWidth<TVector, T>
    where TVector : struct
    where T : IFloatingPointIeee754<T>
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Every lane 0.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Every lane 1.</summary>
    static abstract TVector One { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TVector Create(T value);

    /// <summary>The vector at <paramref name="source"/> + <paramref name="offset"/> (unaligned).</summary>
    static abstract TVector LoadUnsafe(ref T source, nuint offset);

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/> + <paramref name="offset"/>.</summary>
    static abstract void StoreUnsafe(TVector value, ref T destination, nuint offset);

    /// <summary>All bits set in lanes 0 .. <paramref name="count"/> - 1, clear in the rest.</summary>
    static abstract TVector TailMask(nint count);

    /// <summary>The lanes <paramref name="mask"/> selects, read from <paramref name="source"/>; zero in the others, which are not read.</summary>
    static abstract TVector LoadTail(ref T source, TVector mask);

    /// <summary>Writes the lanes <paramref name="mask"/> selects to <paramref name="destination"/>; nothing else is written.</summary>
    static abstract void StoreTail(TVector value, ref T destination, TVector mask);


    /// <summary><paramref name="a"/> + <paramref name="b"/> per lane.</summary>
    static abstract TVector Add(TVector a, TVector b);

    /// <summary><paramref name="a"/> - <paramref name="b"/> per lane.</summary>
    static abstract TVector Subtract(TVector a, TVector b);

    /// <summary><paramref name="a"/> * <paramref name="b"/> per lane.</summary>
    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary><paramref name="a"/> / <paramref name="b"/> per lane.</summary>
    static abstract TVector Divide(TVector a, TVector b);

    /// <summary>-<paramref name="a"/> per lane.</summary>
    static abstract TVector Negate(TVector a);

    /// <summary>The smaller per lane (NaN if either is NaN).</summary>
    static abstract TVector Min(TVector a, TVector b);

    /// <summary>The larger per lane (NaN if either is NaN).</summary>
    static abstract TVector Max(TVector a, TVector b);

    /// <summary>The larger per lane, as the hardware orders NaN: for reductions where NaN order does not matter.</summary>
    static abstract TVector MaxNative(TVector a, TVector b);

    /// <summary>Square root per lane.</summary>
    static abstract TVector Sqrt(TVector a);

    /// <summary>Absolute value per lane.</summary>
    static abstract TVector Abs(TVector a);

    /// <summary>The bits of <paramref name="yes"/> where <paramref name="mask"/> has them set, else of <paramref name="no"/>.</summary>
    static abstract TVector ConditionalSelect(TVector mask, TVector yes, TVector no);

    /// <summary>The sum of the lanes.</summary>
    static abstract T Sum(TVector a);

    /// <summary>The largest lane (NaN if any lane is NaN).</summary>
    static abstract T MaxAcross(TVector a);

    /// <summary>The smallest lane (NaN if any lane is NaN).</summary>
    static abstract T MinAcross(TVector a);


    /// <summary>e^a per lane.</summary>
    static abstract TVector Exp(TVector a);

    /// <summary>ln a per lane.</summary>
    static abstract TVector Log(TVector a);

    /// <summary>ln(1 + a) per lane, accurate near 0.</summary>
    static abstract TVector Log1p(TVector a);

    /// <summary>1 / (1 + e^-a) per lane.</summary>
    static abstract TVector Sigmoid(TVector a);

    /// <summary>ln sigmoid(a) per lane, stable for every a.</summary>
    static abstract TVector LogSigmoid(TVector a);

    /// <summary>ln(1 + e^a) per lane, stable for every a.</summary>
    static abstract TVector Softplus(TVector a);

    /// <summary>max(a, 0) per lane.</summary>
    static abstract TVector Relu(TVector a);

    /// <summary>tanh a per lane.</summary>
    static abstract TVector Tanh(TVector a);

    /// <summary>ln cosh a per lane, finite for every finite a.</summary>
    static abstract TVector LogCosh(TVector a);

    /// <summary>min(max(a, lo), hi) per lane.</summary>
    static abstract TVector Clamp(TVector a, TVector lo, TVector hi);

    /// <summary>-1, 0 or 1 per lane.</summary>
    static abstract TVector Sign(TVector a);

    /// <summary>1 where a &gt; 0, else 0, per lane.</summary>
    static abstract TVector Step(TVector a);

    /// <summary>1 where a &lt; b, 0.5 where they tie, else 0: the gradient of min to its first argument.</summary>
    static abstract TVector SmallerGrad(TVector a, TVector b);

    /// <summary>1 where a &lt; b, else 0, per lane.</summary>
    static abstract TVector Less(TVector a, TVector b);

    /// <summary>1 where a = b, else 0, per lane.</summary>
    static abstract TVector Equal(TVector a, TVector b);

    /// <summary>1 where a &lt;= b, else 0, per lane.</summary>
    static abstract TVector LessOrEqual(TVector a, TVector b);

    /// <summary>1 where a != b (and where either is NaN), else 0, per lane.</summary>
    static abstract TVector NotEqual(TVector a, TVector b);

    /// <summary>a where cond is not 0, else b, per lane (cond holds 1 or 0: a comparison's result).</summary>
    static abstract TVector Where(TVector cond, TVector a, TVector b);

    /// <summary>1 where lo &lt;= a &lt;= hi, else 0, per lane.</summary>
    static abstract TVector Inside(TVector a, TVector lo, TVector hi);

    /// <summary>a * ln b per lane, 0 where a = 0.</summary>
    static abstract TVector XLogY(TVector a, TVector b);

    /// <summary>ln b per lane, 0 where a = 0: the gradient of xlogy to a.</summary>
    static abstract TVector XLogYGrad(TVector a, TVector b);

    /// <summary>The binary cross entropy of probability p against target y per lane, logs clamped at -100.</summary>
    static abstract TVector BinaryCrossEntropy(TVector p, TVector y);

    /// <summary>The gradient of binary cross entropy to p per lane.</summary>
    static abstract TVector BinaryCrossEntropyGrad(TVector p, TVector y);

    /// <summary>The gradient of binary cross entropy to y per lane.</summary>
    static abstract TVector BinaryCrossEntropyTargetGrad(TVector p);

    /// <summary>1 / a per lane.</summary>
    static abstract TVector Reciprocal(TVector a);

    /// <summary>a where it is finite, else 0, per lane.</summary>
    static abstract TVector FiniteOrZero(TVector a);

    /// <summary>1 in the lane of class <paramref name="target"/> among classes c .. c + Count - 1, 0 elsewhere.</summary>
    static abstract TVector OneHot(nint c, nint target);

    /// <summary><paramref name="value"/> in the lanes whose target is <paramref name="c"/>, <paramref name="current"/> elsewhere.</summary>
    static abstract TVector Choose(TVector targets, T c, TVector value, TVector current);


    /// <summary>Lane i holds the element at <paramref name="start"/> + i * <paramref name="stride"/> (memory must be pinned).</summary>
    static abstract TVector Gather(ref T start, nint stride);

    /// <summary>Lane i holds the element at <paramref name="start"/> + i * <paramref name="stride"/> + target_i * <paramref name="classStride"/>.</summary>
    static abstract TVector GatherPick(ref T start, nint stride, TVector targets, nint classStride);

    /// <summary>Stores lane i at <paramref name="start"/> + i * <paramref name="stride"/>.</summary>
    static abstract void Scatter(TVector value, ref T start, nint stride);

    /// <summary>The class indices of Count consecutive positions, as lanes of T.</summary>
    static abstract TVector Targets<TIndex>(ref TIndex start) where TIndex : IBinaryInteger<TIndex>;

    /// <summary>The permutation that spreads row values (one per lane) over flat vector <paramref name="block"/> of a block of rows.</summary>
    static abstract TVector ExpandIndices(int block, int classes);

    /// <summary>Row values spread over a flat vector by a permutation from <see cref="ExpandIndices"/>.</summary>
    static abstract TVector Expand(TVector rows, TVector indices);

    /// <summary>Lane i holds the class of element i of flat vector <paramref name="block"/> of a block of rows.</summary>
    static abstract TVector ClassIndices(int block, int classes);

    /// <summary>True if any lane equals <paramref name="value"/>.</summary>
    static abstract bool Contains(TVector lanes, T value);
}
