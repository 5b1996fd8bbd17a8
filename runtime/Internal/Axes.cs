using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace LossGen.Internal;

/// <summary>
/// Views for <c>ClassAxis = LossAttribute.AllButBatch</c>: a tensor of rank 2 or more seen as [N, d1 * ... * dk], every
/// axis after the first as one class axis (a Dice score over all the pixels of each sample). The axes after the first
/// must be laid out as one (each stride the next one's times its length, as in any dense tensor or a slice of the
/// batch); nothing is copied. Rank 0 and 1 are returned as they are.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Axes
{
    /// <summary>The prediction, as [N, rest].</summary>
    public static ReadOnlyTensorSpan<T> Rows<T>(ReadOnlyTensorSpan<T> tensor, string name)
    {
        if (tensor.Rank <= 2)
        {
            return tensor;
        }

        (nint rows, nint rest, nint rowStride, nint step) = Collapse(tensor.Lengths, tensor.Strides, name);
        if (rows * rest == 0)
        {
            return new ReadOnlyTensorSpan<T>(Array.Empty<T>(), [rows, rest]);
        }

        ReadOnlySpan<T> data = MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), checked((int)Extent(rows, rest, rowStride, step)));
        return new ReadOnlyTensorSpan<T>(data, [rows, rest], [rowStride, step]);
    }

    /// <summary>An input with the prediction's shape (<paramref name="reference"/>, named <paramref name="referenceName"/>), as [N, rest].</summary>
    public static ReadOnlyTensorSpan<T> Rows<T>(ReadOnlyTensorSpan<T> tensor, string name, ReadOnlySpan<nint> reference, string referenceName)
    {
        if (!tensor.Lengths.SequenceEqual(reference))
        {
            Check.SameShape(tensor.Lengths, reference, name, "the shape of " + referenceName);
        }

        return Rows(tensor, name);
    }

    /// <summary>An output with the prediction's shape, as [N, rest].</summary>
    public static TensorSpan<T> Rows<T>(TensorSpan<T> tensor, string name, ReadOnlySpan<nint> reference, string referenceName)
    {
        if (!tensor.Lengths.SequenceEqual(reference))
        {
            Check.SameShape(tensor.Lengths, reference, name, "the shape of " + referenceName);
        }

        if (tensor.Rank <= 2)
        {
            return tensor;
        }

        (nint rows, nint rest, nint rowStride, nint step) = Collapse(tensor.Lengths, tensor.Strides, name);
        if (rows * rest == 0)
        {
            return new TensorSpan<T>(Array.Empty<T>(), [rows, rest]);
        }

        Span<T> data = MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), checked((int)Extent(rows, rest, rowStride, step)));
        return new TensorSpan<T>(data, [rows, rest], [rowStride, step]);
    }

    private static (nint Rows, nint Width, nint RowStride, nint Step) Collapse(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, string name)
    {
        // The axes after the first that are longer than 1 must follow each other in memory; the step is the last one's.
        nint width = 1, step = 1;
        int previous = -1;
        for (int d = 1; d < lengths.Length; d++)
        {
            width *= lengths[d];
            if (lengths[d] <= 1)
            {
                continue;
            }

            if (previous >= 0 && strides[previous] != strides[d] * lengths[d])
            {
                throw new ArgumentException($"Expected {name} laid out as one axis after its first (ClassAxis = AllButBatch), got shape {Check.Format(lengths)} with strides {Check.Format(strides)}; pass a dense tensor.", name);
            }

            previous = d;
            step = strides[d];
        }

        return (lengths[0], width, strides[0], step);
    }

    private static nint Extent(nint rows, nint rest, nint rowStride, nint step) => 1 + (rows - 1) * rowStride + (rest - 1) * step;
}
