using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace LossGen.Internal;

/// <summary>
/// A float copy of a <see cref="Half"/> tensor, in memory rented from <see cref="ArrayPool{T}.Shared"/>: what the
/// generated <c>Half</c> overloads hand to the float kernels, so that every sum, exponential and logarithm is taken in
/// float and only the results are rounded to half precision (docs/dsl.md, "Half precision"). The copy is dense, with the
/// tensor's lengths; <see cref="WriteTo"/> rounds it back into a (possibly strided) half-precision output. No allocation
/// once the pool holds an array of the size.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct Widened : IDisposable
{
    private float[]? _rented;
    private readonly int _length;

    private Widened(nint count, string name)
    {
        if (count > Array.MaxLength)
        {
            throw new ArgumentException($"Expected {name} with at most {Array.MaxLength} elements for its float copy, got {count}.", name);
        }

        _length = (int)count;
        _rented = ArrayPool<float>.Shared.Rent(Math.Max(_length, 1));
    }

    /// <summary>A float copy of <paramref name="source"/> (any strides).</summary>
    public static Widened Of(ReadOnlyTensorSpan<Half> source, string name)
    {
        var copy = new Widened(source.FlattenedLength, name);
        Span<float> target = copy._rented.AsSpan(0, copy._length);
        if (source.IsDense)
        {
            ReadOnlySpan<Half> dense = MemoryMarshal.CreateReadOnlySpan(in source.GetPinnableReference(), copy._length);
            TensorPrimitives.ConvertToSingle(dense, target);
        }
        else
        {
            Half[] staging = ArrayPool<Half>.Shared.Rent(Math.Max(copy._length, 1));
            try
            {
                source.FlattenTo(staging.AsSpan(0, copy._length));
                TensorPrimitives.ConvertToSingle(staging.AsSpan(0, copy._length), target);
            }
            finally
            {
                ArrayPool<Half>.Shared.Return(staging);
            }
        }

        return copy;
    }

    /// <summary>Float room for an output of <paramref name="destination"/>'s lengths (its contents are not read).</summary>
    public static Widened For(TensorSpan<Half> destination, string name) =>
        new(destination.FlattenedLength, name);

    /// <summary>The copy, to read, with the lengths of the tensor it copies.</summary>
    public readonly ReadOnlyTensorSpan<float> Read(scoped ReadOnlySpan<nint> lengths) => new(_rented.AsSpan(0, _length), lengths, default);

    /// <summary>The copy, to write (a kernel's output; may be the memory of <see cref="Read"/>: an in-place gradient).</summary>
    public readonly TensorSpan<float> Write(scoped ReadOnlySpan<nint> lengths) => new(_rented.AsSpan(0, _length), lengths, default);

    /// <summary>Rounds the copy to half precision into <paramref name="destination"/> (the copy's lengths; any strides).</summary>
    public readonly void WriteTo(TensorSpan<Half> destination)
    {
        ReadOnlySpan<float> source = _rented.AsSpan(0, _length);
        if (destination.IsDense)
        {
            Span<Half> dense = MemoryMarshal.CreateSpan(ref destination.GetPinnableReference(), _length);
            TensorPrimitives.ConvertToHalf(source, dense);
            return;
        }

        Half[] staging = ArrayPool<Half>.Shared.Rent(Math.Max(_length, 1));
        try
        {
            TensorPrimitives.ConvertToHalf(source, staging.AsSpan(0, _length));
            new ReadOnlyTensorSpan<Half>(staging.AsSpan(0, _length), destination.Lengths, default).CopyTo(destination);
        }
        finally
        {
            ArrayPool<Half>.Shared.Return(staging);
        }
    }

    /// <summary>Returns the memory to the pool.</summary>
    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
