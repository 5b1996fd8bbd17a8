using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LossGen.Internal;

/// <summary>Fixed storage for the dimensions of a tensor (up to <see cref="Walker.MaxRank"/>).</summary>
[InlineArray(Walker.MaxRank)]
[EditorBrowsable(EditorBrowsableState.Never)]
public struct DimensionBuffer
{
    private nint _element0;
}

/// <summary>
/// Maps a position (a linear index over every axis but the class axis, row-major) to the element offset of that
/// position in one tensor, whatever its strides. Adjacent axes that are contiguous with each other are merged when the
/// walker is built, so dense tensors need one or two divisions per position and strided ones stay correct.
/// Used by generated kernels.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct Walker
{
    /// <summary>The largest rank a tensor argument may have.</summary>
    public const int MaxRank = 16;

    private DimensionBuffer _lengths;
    private DimensionBuffer _strides;
    private int _rank;

    /// <summary>The stride of the class axis (0 when there is none).</summary>
    public nint ClassStride;

    /// <summary>
    /// <see cref="Create"/> when <paramref name="present"/>; otherwise the walker of a tensor a kernel does not write: it
    /// passes every layout check (one row, class stride 1) and every offset is 0, so the kernel's fast paths stay open.
    /// </summary>
    public static Walker Optional(bool present, ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, int classAxis) =>
        present ? Create(lengths, strides, classAxis) : new Walker { ClassStride = 1 };

    /// <summary>Builds a walker over <paramref name="lengths"/>/<paramref name="strides"/> without axis <paramref name="classAxis"/> (-1: none).</summary>
    public static Walker Create(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, int classAxis)
    {
        var walker = default(Walker);
        walker.ClassStride = classAxis >= 0 ? strides[classAxis] : 0;
        int rank = 0;
        for (int d = 0; d < lengths.Length; d++)
        {
            if (d == classAxis || lengths[d] == 1)
            {
                continue;
            }

            if (rank > 0 && walker._strides[rank - 1] == strides[d] * lengths[d])
            {
                // Merge with the previous axis: together they step evenly.
                walker._lengths[rank - 1] *= lengths[d];
                walker._strides[rank - 1] = strides[d];
                continue;
            }

            walker._lengths[rank] = lengths[d];
            walker._strides[rank] = strides[d];
            rank++;
        }

        walker._rank = rank;
        return walker;
    }

    /// <summary>
    /// True when consecutive positions are <paramref name="rowStride"/> elements apart and classes adjacent: the dense
    /// layout in which a block of positions can be processed as lanes.
    /// </summary>
    public readonly bool IsRows(nint rowStride) => (_rank == 0 || (_rank == 1 && _strides[0] == rowStride)) && (ClassStride == 1 || rowStride == 1);

    /// <summary>The element offset of position <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly nint Offset(nint position)
    {
        if (_rank == 1)
        {
            return position * _strides[0];
        }

        nint offset = 0;
        for (int d = _rank - 1; d >= 0; d--)
        {
            nint length = _lengths[d];
            nint quotient = position / length;
            offset += (position - quotient * length) * _strides[d];
            position = quotient;
        }

        return offset;
    }
}
