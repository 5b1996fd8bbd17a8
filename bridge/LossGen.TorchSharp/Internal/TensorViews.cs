using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace LossGen.Internal;

/// <summary>
/// Views of TorchSharp tensor memory as <see cref="ReadOnlyTensorSpan{T}"/> / <see cref="TensorSpan{T}"/>,
/// without copying: the span points at the tensor's own CPU memory, with the tensor's lengths and strides.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 has no public data pointer. <c>Tensor.bytes</c> gives the memory of a contiguous CPU tensor
/// as a <see cref="Span{T}"/> (up to 2 GiB); for any other strided tensor a one-element view made with
/// <c>as_strided</c> at the tensor's storage offset gives the address of its first element, and the tensor's
/// own strides describe the rest. The caller keeps the tensor (and the returned <c>keepAlive</c> view) alive
/// while the span is in use.
/// </remarks>
internal static unsafe class TensorViews
{
    // A non-null address for empty tensors (the span constructors reject null).
    private static readonly long[] Empty = GC.AllocateArray<long>(1, pinned: true);

    /// <summary>Whether <paramref name="dtype"/> is a half-precision floating type (float16, bfloat16): run on float32 copies.</summary>
    public static bool IsHalf(ScalarType dtype) => dtype is ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>Checks that <paramref name="t"/> can be viewed as a span of <paramref name="dtype"/> on the CPU.</summary>
    public static void Check(Tensor t, ScalarType dtype, string name, string lossName)
    {
        if (t.IsInvalid)
            throw new ObjectDisposedException(name, $"{lossName}: tensor '{name}' has been disposed.");
        if (t.device_type != DeviceType.CPU)
            throw new NotSupportedException(
                $"{lossName}: tensor '{name}' is on {t.device}. LossGen kernels run on the CPU: pass '{name}.cpu()' " +
                "(autograd moves the gradient back to the device).");
        if (t.is_sparse)
            throw new NotSupportedException($"{lossName}: tensor '{name}' is sparse; pass '{name}.to_dense()'.");
        if (t.dtype != dtype)
            throw new ArgumentException(
                $"{lossName}: tensor '{name}' has dtype {t.dtype}, expected {dtype}" +
                (dtype is ScalarType.Float32 or ScalarType.Float64
                    ? $" (this loss was built for {dtype}; build it for {t.dtype} too, or convert with '{name}.to({dtype})')."
                    : "."),
                name);
    }

    /// <summary>A read-only view of <paramref name="t"/>; copies only a tensor whose strides overlap (see remarks).</summary>
    /// <remarks>
    /// Rank-0 tensors are viewed as <c>[1]</c>. A view that <see cref="ReadOnlyTensorSpan{T}"/> cannot describe
    /// (overlapping strides made with <c>as_strided</c>) is copied into a contiguous tensor, returned in
    /// <paramref name="keepAlive"/>; dispose it after use.
    /// </remarks>
    public static ReadOnlyTensorSpan<T> Read<T>(Tensor t, out Tensor? keepAlive) where T : unmanaged
    {
        T* data = Address<T>(t, out keepAlive, out nint extent);
        long[] shape = t.shape;
        long[] strides = t.stride();
        int rank = Math.Max(shape.Length, 1);
        nint[] lengths = new nint[rank];
        nint[] steps = new nint[rank];
        Describe(shape, strides, lengths, steps);
        if (extent == 0)
            return new ReadOnlyTensorSpan<T>(data, 0, lengths);
        try
        {
            return new ReadOnlyTensorSpan<T>(data, extent, lengths, steps);
        }
        catch (ArgumentException)
        {
            // Overlapping strides: documented copy.
            keepAlive?.Dispose();
            keepAlive = t.contiguous();
            T* copy = Address<T>(keepAlive, out _, out nint copyExtent);
            return new ReadOnlyTensorSpan<T>(copy, copyExtent, lengths);
        }
    }

    /// <summary>A writable view of a contiguous tensor allocated by the bridge.</summary>
    public static TensorSpan<T> Write<T>(Tensor t) where T : unmanaged
    {
        if (!t.is_contiguous())
            throw new InvalidOperationException("LossGen bridge: outputs must be contiguous.");
        T* data = Address<T>(t, out Tensor? view, out nint extent);
        view?.Dispose();
        long[] shape = t.shape;
        int rank = Math.Max(shape.Length, 1);
        nint[] lengths = new nint[rank];
        if (shape.Length == 0) lengths[0] = 1;
        for (int i = 0; i < shape.Length; i++) lengths[i] = (nint)shape[i];
        return new TensorSpan<T>(data, extent, lengths);
    }

    /// <summary>The address of the first element of <paramref name="t"/> and the number of elements its strides reach.</summary>
    private static T* Address<T>(Tensor t, out Tensor? keepAlive, out nint extent) where T : unmanaged
    {
        keepAlive = null;
        long numel = t.numel();
        if (numel == 0)
        {
            extent = 0;
            return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Empty));
        }
        long[] shape = t.shape;
        long[] strides = t.stride();
        long reach = 1;
        for (int i = 0; i < shape.Length; i++)
            reach += (shape[i] - 1) * strides[i];
        extent = checked((nint)reach);
        if (t.is_contiguous() && numel * sizeof(T) <= int.MaxValue)
            return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
        // Strided or larger than 2 GiB: a contiguous one-element view at the same storage offset.
        keepAlive = t.as_strided([1], [1], t.storage_offset());
        return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(keepAlive.bytes));
    }

    private static void Describe(long[] shape, long[] strides, nint[] lengths, nint[] steps)
    {
        if (shape.Length == 0)
        {
            lengths[0] = 1;
            steps[0] = 0;
            return;
        }
        for (int i = 0; i < shape.Length; i++)
        {
            lengths[i] = (nint)shape[i];
            // The index along a length-1 axis is always 0; System.Numerics.Tensors wants stride 0 there.
            steps[i] = shape[i] <= 1 ? 0 : (nint)strides[i];
        }
    }
}
