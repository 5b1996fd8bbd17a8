// Rendered from Width.Width.template at 512 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

/// <summary>The 512-bit vector width of generated kernels (<see cref="IKernelWidth{TVector, T}"/>): every member inlines to Vector512 code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Width512<T> : IKernelWidth<Vector512<T>, T>
    where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<T>.Count;
    }

    /// <inheritdoc/>
    public static Vector512<T> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<T>.Zero;
    }

    /// <inheritdoc/>
    public static Vector512<T> One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<T>.One;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Create(T value) => Vector512.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadUnsafe(ref T source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUnsafe(Vector512<T> value, ref T destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> TailMask(nint count) => VectorOps.TailMask512<T>(count);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadTail(ref T source, Vector512<T> mask) => VectorOps.LoadTail(ref source, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreTail(Vector512<T> value, ref T destination, Vector512<T> mask) => VectorOps.StoreTail(value, ref destination, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> a, Vector512<T> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Divide(Vector512<T> a, Vector512<T> b) => a / b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Negate(Vector512<T> a) => -a;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Min(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MaxNative(Vector512<T> a, Vector512<T> b) => Vector512.MaxNative(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sqrt(Vector512<T> a) => Vector512.Sqrt(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ConditionalSelect(Vector512<T> mask, Vector512<T> yes, Vector512<T> no) => Vector512.ConditionalSelect(mask, yes, no);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> a) => Vector512.Sum(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector512<T> a) => VectorOps.MaxAcross(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MinAcross(Vector512<T> a) => VectorOps.MinAcross(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> a) => VectorMath.Exp(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log(Vector512<T> a) => VectorMath.Log(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log1p(Vector512<T> a) => VectorOps.Log1p(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sigmoid(Vector512<T> a) => VectorOps.Sigmoid(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LogSigmoid(Vector512<T> a) => VectorOps.LogSigmoid(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Softplus(Vector512<T> a) => VectorOps.Softplus(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Relu(Vector512<T> a) => VectorOps.Relu(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh(Vector512<T> a) => VectorOps.Tanh(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LogCosh(Vector512<T> a) => VectorOps.LogCosh(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Clamp(Vector512<T> a, Vector512<T> lo, Vector512<T> hi) => VectorOps.Clamp(a, lo, hi);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sign(Vector512<T> a) => VectorOps.Sign(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Step(Vector512<T> a) => VectorOps.Step(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SmallerGrad(Vector512<T> a, Vector512<T> b) => VectorOps.SmallerGrad(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Less(Vector512<T> a, Vector512<T> b) => VectorOps.Less(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Equal(Vector512<T> a, Vector512<T> b) => VectorOps.Equal(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessOrEqual(Vector512<T> a, Vector512<T> b) => VectorOps.LessOrEqual(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> NotEqual(Vector512<T> a, Vector512<T> b) => VectorOps.NotEqual(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Where(Vector512<T> cond, Vector512<T> a, Vector512<T> b) => VectorOps.Where(cond, a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Inside(Vector512<T> a, Vector512<T> lo, Vector512<T> hi) => VectorOps.Inside(a, lo, hi);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> XLogY(Vector512<T> a, Vector512<T> b) => VectorOps.XLogY(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> XLogYGrad(Vector512<T> a, Vector512<T> b) => VectorOps.XLogYGrad(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BinaryCrossEntropy(Vector512<T> p, Vector512<T> y) => VectorOps.BinaryCrossEntropy(p, y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BinaryCrossEntropyGrad(Vector512<T> p, Vector512<T> y) => VectorOps.BinaryCrossEntropyGrad(p, y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BinaryCrossEntropyTargetGrad(Vector512<T> p) => VectorOps.BinaryCrossEntropyTargetGrad(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Reciprocal(Vector512<T> a) => VectorOps.Reciprocal(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FiniteOrZero(Vector512<T> a) => VectorOps.FiniteOrZero(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> OneHot(nint c, nint target) => VectorOps.OneHot512<T>(c, target);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Choose(Vector512<T> targets, T c, Vector512<T> value, Vector512<T> current) => VectorOps.Choose(targets, c, value, current);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Gather(ref T start, nint stride) => VectorOps.Gather512(ref start, stride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> GatherPick(ref T start, nint stride, Vector512<T> targets, nint classStride) => VectorOps.GatherPick(ref start, stride, targets, classStride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scatter(Vector512<T> value, ref T start, nint stride) => VectorOps.Scatter(value, ref start, stride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Targets<TIndex>(ref TIndex start) where TIndex : IBinaryInteger<TIndex> => VectorOps.Targets512<T, TIndex>(ref start);

    /// <inheritdoc/>
    public static Vector512<T> ExpandIndices(int block, int classes) => VectorOps.ExpandIndices512<T>(block, classes);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Expand(Vector512<T> rows, Vector512<T> indices) => VectorOps.Expand(rows, indices);

    /// <inheritdoc/>
    public static Vector512<T> ClassIndices(int block, int classes) => VectorOps.ClassIndices512<T>(block, classes);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains(Vector512<T> lanes, T value) => VectorOps.Contains(lanes, value);
}
