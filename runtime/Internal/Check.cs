using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace LossGen.Internal;

/// <summary>
/// Argument validation for generated kernels. Every check runs before a kernel writes anything; every failure names
/// the argument, what was expected and what was given.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Check
{
    /// <summary>
    /// Resolves the class axis of <paramref name="lengths"/> (the shape of x): rank 1 is one unbatched sample with classes
    /// on axis 0; otherwise <paramref name="classAxis"/> (-1: last). Checks a compile-time class count.
    /// </summary>
    public static int ClassAxis(ReadOnlySpan<nint> lengths, int classAxis, int classes, string name)
    {
        Rank(lengths, name);
        if (lengths.Length == 0)
        {
            throw new ArgumentException($"Expected {name} with a class axis (rank 1 or more), got a scalar (shape []).", name);
        }

        int axis = lengths.Length == 1 ? 0 : classAxis < 0 ? lengths.Length + classAxis : classAxis;
        if (axis < 0 || axis >= lengths.Length)
        {
            throw new ArgumentException($"Expected {name} with class axis {classAxis}, got shape {Format(lengths)} of rank {lengths.Length}.", name);
        }

        if (classes > 0 && lengths[axis] != classes)
        {
            throw new ArgumentException($"Expected {name} with {classes} classes on axis {axis} (the loss is compiled for Classes = {classes}), got shape {Format(lengths)}.", name);
        }

        return axis;
    }

    /// <summary>Checks that a tensor's rank is supported.</summary>
    public static void Rank(ReadOnlySpan<nint> lengths, string name)
    {
        if (lengths.Length > Walker.MaxRank)
        {
            throw new ArgumentException($"Expected {name} of rank at most {Walker.MaxRank}, got rank {lengths.Length}.", name);
        }
    }

    /// <summary>
    /// Whether a tensor has one value per sample of <paramref name="x"/>, as PyTorch's gaussian_nll_loss broadcasts var:
    /// x's shape without its last axis, or with it of length 1 (when x's last axis is longer than 1).
    /// </summary>
    public static bool OnePerSample(ReadOnlySpan<nint> actual, ReadOnlySpan<nint> x)
    {
        if (x.Length == 0)
        {
            return false;
        }

        if (actual.Length == x.Length - 1)
        {
            return actual.SequenceEqual(x.Slice(0, x.Length - 1));
        }

        return actual.Length == x.Length && x[^1] != 1 && actual[^1] == 1 && actual.Slice(0, actual.Length - 1).SequenceEqual(x.Slice(0, x.Length - 1));
    }

    /// <summary>Checks that <paramref name="actual"/> equals <paramref name="expected"/> (the shape of <paramref name="reference"/>).</summary>
    public static void SameShape(ReadOnlySpan<nint> actual, ReadOnlySpan<nint> expected, string name, string reference)
    {
        if (!actual.SequenceEqual(expected))
        {
            throw new ArgumentException($"Expected {name} of shape {Format(expected)} ({reference}), got {Format(actual)}.", name);
        }
    }

    /// <summary>
    /// Checks a per-position tensor (class-index targets, per-sample losses): the shape of x without its class axis;
    /// for unbatched x (rank 1), [1] or []. With <paramref name="keptAxis"/> (a per-position input other than class
    /// indices), x's shape with the class axis of length 1 is accepted too, as PyTorch broadcasts such a tensor.
    /// <paramref name="reference"/> is the name the message gives x.
    /// </summary>
    public static void PositionShape(ReadOnlySpan<nint> actual, ReadOnlySpan<nint> x, int classAxis, string name, string reference = "x", bool keptAxis = false)
    {
        bool matches;
        if (x.Length == 1)
        {
            matches = actual.Length == 0 || (actual.Length == 1 && actual[0] == 1);
        }
        else
        {
            matches = actual.Length == x.Length - 1;
            for (int d = 0, e = 0; matches && d < x.Length; d++)
            {
                if (d != classAxis)
                {
                    matches = actual[e++] == x[d];
                }
            }

            if (!matches && keptAxis && actual.Length == x.Length)
            {
                matches = true;
                for (int d = 0; matches && d < x.Length; d++)
                {
                    matches = actual[d] == (d == classAxis ? 1 : x[d]);
                }
            }
        }

        if (!matches)
        {
            Span<nint> expected = stackalloc nint[Math.Max(x.Length - 1, 1)];
            if (x.Length == 1)
            {
                expected[0] = 1;
            }
            else
            {
                for (int d = 0, e = 0; d < x.Length; d++)
                {
                    if (d != classAxis)
                    {
                        expected[e++] = x[d];
                    }
                }
            }

            string kept = keptAxis && x.Length > 1 ? " or with it of length 1" : string.Empty;
            throw new ArgumentException($"Expected {name} of shape {Format(expected)} ({reference}'s shape {Format(x)} without class axis {classAxis}{kept}), got {Format(actual)}.", name);
        }
    }

    /// <summary>Checks a per-class vector: shape [C].</summary>
    public static void ClassVector(ReadOnlySpan<nint> actual, nint classes, string name)
    {
        if (actual.Length != 1 || actual[0] != classes)
        {
            throw new ArgumentException($"Expected {name} of shape [{classes}] (one value per class), got {Format(actual)}.", name);
        }
    }

    /// <summary>Rejects a class index outside [0, C) that is not ignored, naming its position.</summary>
    public static ArgumentOutOfRangeException TargetOutOfRange(string name, ReadOnlySpan<nint> targetLengths, nint position, long value, nint classes, string ignoreNote)
    {
        Span<nint> index = stackalloc nint[Math.Max(targetLengths.Length, 1)];
        nint rest = position;
        for (int d = targetLengths.Length - 1; d >= 0; d--)
        {
            index[d] = rest % targetLengths[d];
            rest /= targetLengths[d];
        }

        string where = targetLengths.Length == 0 ? "[]" : Format(index[..targetLengths.Length]);
        return new ArgumentOutOfRangeException(name, value, $"Class index {value} at {name}{where} is outside [0, {classes}){ignoreNote}.");
    }

    /// <summary>
    /// Checks <paramref name="count"/> contiguous class indices: each is in [0, <paramref name="classes"/>) or, when
    /// <paramref name="hasIgnore"/>, equal to <paramref name="ignore"/>. Returns the position of the first one that is
    /// neither (-1 when all are fine) and, in <paramref name="counted"/>, how many are not ignored. Vectorised for
    /// int and long indices.
    /// </summary>
    public static nint DenseTargets<TIndex>(ref TIndex start, nint count, nint classes, long ignore, bool hasIgnore, out nint counted)
        where TIndex : IBinaryInteger<TIndex>
    {
        nint i = 0;
        nint ignored = 0;
        if (Vector256.IsHardwareAccelerated && typeof(TIndex) == typeof(long))
        {
            i = DenseTargetsVector(ref Unsafe.As<TIndex, long>(ref start), count, (ulong)classes, ignore, hasIgnore, out ignored);
        }
        else if (Vector256.IsHardwareAccelerated && typeof(TIndex) == typeof(int) && classes <= int.MaxValue && ignore >= int.MinValue && ignore <= int.MaxValue)
        {
            i = DenseTargetsVector(ref Unsafe.As<TIndex, int>(ref start), count, (uint)classes, (int)ignore, hasIgnore, out ignored);
        }

        for (; i < count; i++)
        {
            long value = long.CreateTruncating(Unsafe.Add(ref start, i));
            if (hasIgnore && value == ignore)
            {
                ignored++;
                continue;
            }

            if ((ulong)value >= (ulong)classes)
            {
                counted = 0;
                return i;
            }
        }

        counted = count - ignored;
        return -1;
    }

    /// <summary>
    /// The vector part of <see cref="DenseTargets{TIndex}"/> for indices of type <typeparamref name="TLane"/> (compared
    /// as <typeparamref name="TUnsigned"/>, so negatives are out of range): returns where it stopped (at the end of the
    /// whole vectors, or at the first vector holding a bad index, left to the scalar loop) and the ignored count so far.
    /// </summary>
    private static nint DenseTargetsVector<TLane, TUnsigned>(ref TLane start, nint count, TUnsigned classes, TLane ignore, bool hasIgnore, out nint ignored)
        where TLane : unmanaged, IBinaryInteger<TLane>
        where TUnsigned : unmanaged, IBinaryInteger<TUnsigned>
    {
        nint i = 0;
        Vector256<TUnsigned> limit = Vector256.Create(classes);
        Vector256<TLane> ignoreLanes = Vector256.Create(ignore);
        Vector256<TLane> ignoredLanes = Vector256<TLane>.Zero;
        for (; i <= count - Vector256<TLane>.Count; i += Vector256<TLane>.Count)
        {
            Vector256<TLane> v = Vector256.LoadUnsafe(ref start, (nuint)i);
            Vector256<TLane> isIgnored = hasIgnore ? Vector256.Equals(v, ignoreLanes) : Vector256<TLane>.Zero;
            Vector256<TLane> valid = Vector256.LessThan(v.As<TLane, TUnsigned>(), limit).As<TUnsigned, TLane>() | isIgnored;
            if (!Vector256.EqualsAll(valid, Vector256<TLane>.AllBitsSet))
            {
                break;
            }

            ignoredLanes -= isIgnored;
        }

        ignored = nint.CreateTruncating(Vector256.Sum(ignoredLanes));
        return i;
    }

    /// <summary>
    /// Rejects an output that shares memory with an input. <paramref name="allowSame"/>: the two may be exactly the same
    /// view (dx over x, the in-place gradient).
    /// </summary>
    public static void NoOverlap<TOut, TIn>(ref TOut output, ReadOnlySpan<nint> outLengths, ReadOnlySpan<nint> outStrides, string outName,
        ref TIn input, ReadOnlySpan<nint> inLengths, ReadOnlySpan<nint> inStrides, string inName, bool allowSame = false)
    {
        nint outBytes = Extent(outLengths, outStrides) * Unsafe.SizeOf<TOut>();
        nint inBytes = Extent(inLengths, inStrides) * Unsafe.SizeOf<TIn>();
        if (outBytes == 0 || inBytes == 0 || Unsafe.IsNullRef(ref output) || Unsafe.IsNullRef(ref input))
        {
            return;
        }

        nint start = Unsafe.ByteOffset(ref Unsafe.As<TIn, byte>(ref input), ref Unsafe.As<TOut, byte>(ref output));
        bool overlaps = start < inBytes && -start < outBytes;
        if (!overlaps)
        {
            return;
        }

        if (allowSame && start == 0 && typeof(TOut) == typeof(TIn) && outLengths.SequenceEqual(inLengths) && outStrides.SequenceEqual(inStrides))
        {
            return;
        }

        string rule = allowSame ? $"{outName} may be exactly {inName} (in place), nothing else" : "an output must not share memory with another argument";
        throw new ArgumentException($"Expected {outName} not to overlap {inName} ({rule}), got memory that overlaps.", outName);
    }

    /// <summary>The number of positions of x: the product of every axis but the class axis (-1: all axes).</summary>
    public static nint Positions(ReadOnlySpan<nint> lengths, int classAxis)
    {
        nint count = 1;
        for (int d = 0; d < lengths.Length; d++)
        {
            if (d != classAxis)
            {
                count *= lengths[d];
            }
        }

        return count;
    }

    /// <summary>Number of elements from the first to one past the last element a view can touch (0 if empty).</summary>
    private static nint Extent(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides)
    {
        nint extent = 1;
        for (int d = 0; d < lengths.Length; d++)
        {
            if (lengths[d] == 0)
            {
                return 0;
            }

            extent += (lengths[d] - 1) * strides[d];
        }

        return extent;
    }

    /// <summary>Formats a shape as [a, b, c].</summary>
    public static string Format(ReadOnlySpan<nint> lengths)
    {
        var builder = new StringBuilder("[");
        for (int i = 0; i < lengths.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(lengths[i]);
        }

        return builder.Append(']').ToString();
    }
}
