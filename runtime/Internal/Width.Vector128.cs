// Rendered from Width.Width.template at 128 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

/// <summary>The 128-bit vector width of generated kernels (<see cref="IKernelWidth{TVector, T}"/>): every member inlines to Vector128 code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Width128<T> : IKernelWidth<Vector128<T>, T>
    where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<T>.Count;
    }

    /// <inheritdoc/>
    public static Vector128<T> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<T>.Zero;
    }

    /// <inheritdoc/>
    public static Vector128<T> One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<T>.One;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Create(T value) => Vector128.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LoadUnsafe(ref T source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUnsafe(Vector128<T> value, ref T destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> TailMask(nint count) => VectorOps.TailMask128<T>(count);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LoadTail(ref T source, Vector128<T> mask) => VectorOps.LoadTail(ref source, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreTail(Vector128<T> value, ref T destination, Vector128<T> mask) => VectorOps.StoreTail(value, ref destination, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> a, Vector128<T> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Divide(Vector128<T> a, Vector128<T> b) => a / b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Negate(Vector128<T> a) => -a;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Min(Vector128<T> a, Vector128<T> b) => Vector128.Min(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Max(Vector128<T> a, Vector128<T> b) => Vector128.Max(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MaxNative(Vector128<T> a, Vector128<T> b) => Vector128.MaxNative(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sqrt(Vector128<T> a) => Vector128.Sqrt(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Abs(Vector128<T> a) => Vector128.Abs(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ConditionalSelect(Vector128<T> mask, Vector128<T> yes, Vector128<T> no) => Vector128.ConditionalSelect(mask, yes, no);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> a) => Vector128.Sum(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector128<T> a) => VectorOps.MaxAcross(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MinAcross(Vector128<T> a) => VectorOps.MinAcross(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp(Vector128<T> a) => VectorMath.Exp(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log(Vector128<T> a) => VectorMath.Log(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log1p(Vector128<T> a) => VectorOps.Log1p(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sigmoid(Vector128<T> a) => VectorOps.Sigmoid(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LogSigmoid(Vector128<T> a) => VectorOps.LogSigmoid(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Softplus(Vector128<T> a) => VectorOps.Softplus(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Relu(Vector128<T> a) => VectorOps.Relu(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Tanh(Vector128<T> a) => VectorOps.Tanh(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LogCosh(Vector128<T> a) => VectorOps.LogCosh(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Clamp(Vector128<T> a, Vector128<T> lo, Vector128<T> hi) => VectorOps.Clamp(a, lo, hi);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sign(Vector128<T> a) => VectorOps.Sign(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Step(Vector128<T> a) => VectorOps.Step(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> SmallerGrad(Vector128<T> a, Vector128<T> b) => VectorOps.SmallerGrad(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Less(Vector128<T> a, Vector128<T> b) => VectorOps.Less(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Equal(Vector128<T> a, Vector128<T> b) => VectorOps.Equal(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LessOrEqual(Vector128<T> a, Vector128<T> b) => VectorOps.LessOrEqual(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> NotEqual(Vector128<T> a, Vector128<T> b) => VectorOps.NotEqual(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Where(Vector128<T> cond, Vector128<T> a, Vector128<T> b) => VectorOps.Where(cond, a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Inside(Vector128<T> a, Vector128<T> lo, Vector128<T> hi) => VectorOps.Inside(a, lo, hi);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> XLogY(Vector128<T> a, Vector128<T> b) => VectorOps.XLogY(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> XLogYGrad(Vector128<T> a, Vector128<T> b) => VectorOps.XLogYGrad(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> BinaryCrossEntropy(Vector128<T> p, Vector128<T> y) => VectorOps.BinaryCrossEntropy(p, y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> BinaryCrossEntropyGrad(Vector128<T> p, Vector128<T> y) => VectorOps.BinaryCrossEntropyGrad(p, y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> BinaryCrossEntropyTargetGrad(Vector128<T> p) => VectorOps.BinaryCrossEntropyTargetGrad(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Reciprocal(Vector128<T> a) => VectorOps.Reciprocal(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> FiniteOrZero(Vector128<T> a) => VectorOps.FiniteOrZero(a);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> OneHot(nint c, nint target) => VectorOps.OneHot128<T>(c, target);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Choose(Vector128<T> targets, T c, Vector128<T> value, Vector128<T> current) => VectorOps.Choose(targets, c, value, current);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Gather(ref T start, nint stride) => VectorOps.Gather128(ref start, stride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> GatherPick(ref T start, nint stride, Vector128<T> targets, nint classStride) => VectorOps.GatherPick(ref start, stride, targets, classStride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scatter(Vector128<T> value, ref T start, nint stride) => VectorOps.Scatter(value, ref start, stride);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Targets<TIndex>(ref TIndex start) where TIndex : IBinaryInteger<TIndex> => VectorOps.Targets128<T, TIndex>(ref start);

    /// <inheritdoc/>
    public static Vector128<T> ExpandIndices(int block, int classes) => VectorOps.ExpandIndices128<T>(block, classes);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Expand(Vector128<T> rows, Vector128<T> indices) => VectorOps.Expand(rows, indices);

    /// <inheritdoc/>
    public static Vector128<T> ClassIndices(int block, int classes) => VectorOps.ClassIndices128<T>(block, classes);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains(Vector128<T> lanes, T value) => VectorOps.Contains(lanes, value);
}
