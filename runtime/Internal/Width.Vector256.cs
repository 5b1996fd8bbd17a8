// Rendered from Width.Width.template at 256 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

/// <summary>The 256-bit vector width of generated kernels (<see cref="IKernelWidth{TVector, T}"/>): every member inlines to Vector256 code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Width256<T> : IKernelWidth<Vector256<T>, T>
    where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<T>.Count;
    }

    /// <inheritdoc/>
    public static Vector256<T> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<T>.Zero;
    }

    /// <inheritdoc/>
    public static Vector256<T> One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<T>.One;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Create(T value) => Vector256.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadUnsafe(ref T source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUnsafe(Vector256<T> value, ref T destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> TailMask(nint count) => VectorOps.TailMask<T>(count);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadTail(ref T source, Vector256<T> mask) => VectorOps.LoadTail(ref source, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreTail(Vector256<T> value, ref T destination, Vector256<T> mask) => VectorOps.StoreTail(value, ref destination, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> a, Vector256<T> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Divide(Vector256<T> a, Vector256<T> b) => a / b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Negate(Vector256<T> a) => -a;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Min(Vector256<T> a, Vector256<T> b) => Vector256.Min(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Max(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MaxNative(Vector256<T> a, Vector256<T> b) => Vector256.MaxNative(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sqrt(Vector256<T> a) => Vector256.Sqrt(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ConditionalSelect(Vector256<T> mask, Vector256<T> yes, Vector256<T> no) => Vector256.ConditionalSelect(mask, yes, no);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> a) => Vector256.Sum(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector256<T> a) => VectorOps.MaxAcross(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MinAcross(Vector256<T> a) => VectorOps.MinAcross(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> a) => VectorMath.Exp(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log(Vector256<T> a) => VectorMath.Log(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log1p(Vector256<T> a) => VectorOps.Log1p(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid(Vector256<T> a) => VectorOps.Sigmoid(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LogSigmoid(Vector256<T> a) => VectorOps.LogSigmoid(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Softplus(Vector256<T> a) => VectorOps.Softplus(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Relu(Vector256<T> a) => VectorOps.Relu(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh(Vector256<T> a) => VectorOps.Tanh(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LogCosh(Vector256<T> a) => VectorOps.LogCosh(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Clamp(Vector256<T> a, Vector256<T> lo, Vector256<T> hi) => VectorOps.Clamp(a, lo, hi);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sign(Vector256<T> a) => VectorOps.Sign(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Step(Vector256<T> a) => VectorOps.Step(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SmallerGrad(Vector256<T> a, Vector256<T> b) => VectorOps.SmallerGrad(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Less(Vector256<T> a, Vector256<T> b) => VectorOps.Less(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Equal(Vector256<T> a, Vector256<T> b) => VectorOps.Equal(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LessOrEqual(Vector256<T> a, Vector256<T> b) => VectorOps.LessOrEqual(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> NotEqual(Vector256<T> a, Vector256<T> b) => VectorOps.NotEqual(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Where(Vector256<T> cond, Vector256<T> a, Vector256<T> b) => VectorOps.Where(cond, a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Inside(Vector256<T> a, Vector256<T> lo, Vector256<T> hi) => VectorOps.Inside(a, lo, hi);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> XLogY(Vector256<T> a, Vector256<T> b) => VectorOps.XLogY(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> XLogYGrad(Vector256<T> a, Vector256<T> b) => VectorOps.XLogYGrad(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> BinaryCrossEntropy(Vector256<T> p, Vector256<T> y) => VectorOps.BinaryCrossEntropy(p, y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> BinaryCrossEntropyGrad(Vector256<T> p, Vector256<T> y) => VectorOps.BinaryCrossEntropyGrad(p, y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> BinaryCrossEntropyTargetGrad(Vector256<T> p) => VectorOps.BinaryCrossEntropyTargetGrad(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Reciprocal(Vector256<T> a) => VectorOps.Reciprocal(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> FiniteOrZero(Vector256<T> a) => VectorOps.FiniteOrZero(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> OneHot(nint c, nint target) => VectorOps.OneHot<T>(c, target);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Choose(Vector256<T> targets, T c, Vector256<T> value, Vector256<T> current) => VectorOps.Choose(targets, c, value, current);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Gather(ref T start, nint stride) => VectorOps.Gather(ref start, stride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> GatherPick(ref T start, nint stride, Vector256<T> targets, nint classStride) => VectorOps.GatherPick(ref start, stride, targets, classStride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scatter(Vector256<T> value, ref T start, nint stride) => VectorOps.Scatter(value, ref start, stride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Targets<TIndex>(ref TIndex start) where TIndex : IBinaryInteger<TIndex> => VectorOps.Targets<T, TIndex>(ref start);

    /// <inheritdoc/>
    public static Vector256<T> ExpandIndices(int block, int classes) => VectorOps.ExpandIndices<T>(block, classes);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Expand(Vector256<T> rows, Vector256<T> indices) => VectorOps.Expand(rows, indices);

    /// <inheritdoc/>
    public static Vector256<T> ClassIndices(int block, int classes) => VectorOps.ClassIndices<T>(block, classes);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains(Vector256<T> lanes, T value) => VectorOps.Contains(lanes, value);
}
