using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LossGen.Internal;

// Rows in lanes: a block of positions of a short class axis, one position per lane. These helpers move lanes between
// memory and registers, at 256 and 512 bits (the 512-bit ones have a 512 suffix where they take no vector). They read
// and write the memory of a running kernel, which Chunks.Run keeps pinned: that is what lets them hand addresses to
// the hardware gather instructions.
public static partial class VectorOps
{
    // ---------------------------------------------------------------- 256 bits

    /// <summary>Lane i holds the element at <paramref name="start"/> + i * <paramref name="stride"/> (memory must be pinned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<T> Gather<T>(ref T start, nint stride) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            if (Avx2.IsSupported && stride <= int.MaxValue / 8)
            {
                Vector256<int> index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * (int)stride;
                return Avx2.GatherVector256((float*)Unsafe.AsPointer(ref start), index, 4).As<float, T>();
            }

            ref float s = ref Unsafe.As<T, float>(ref start);
            return Vector256.Create(s, Unsafe.Add(ref s, stride), Unsafe.Add(ref s, 2 * stride), Unsafe.Add(ref s, 3 * stride),
                Unsafe.Add(ref s, 4 * stride), Unsafe.Add(ref s, 5 * stride), Unsafe.Add(ref s, 6 * stride), Unsafe.Add(ref s, 7 * stride)).As<float, T>();
        }

        if (Avx2.IsSupported && stride <= int.MaxValue / 4)
        {
            Vector128<int> index = Vector128.Create(0, 1, 2, 3) * (int)stride;
            return Avx2.GatherVector256((double*)Unsafe.AsPointer(ref start), index, 8).As<double, T>();
        }

        ref double d = ref Unsafe.As<T, double>(ref start);
        return Vector256.Create(d, Unsafe.Add(ref d, stride), Unsafe.Add(ref d, 2 * stride), Unsafe.Add(ref d, 3 * stride)).As<double, T>();
    }

    /// <summary>Lane i holds the element at <paramref name="start"/> + i * <paramref name="stride"/> + target_i * <paramref name="classStride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> GatherPick<T>(ref T start, nint stride, Vector256<T> targets, nint classStride) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> result = Vector256<T>.Zero;
        for (int i = 0; i < Vector256<T>.Count; i++)
        {
            nint target = nint.CreateTruncating(targets.GetElement(i));
            result = result.WithElement(i, Unsafe.Add(ref start, i * stride + target * classStride));
        }

        return result;
    }

    /// <summary>The class indices of <c>Count</c> consecutive positions as lanes of T (exact below 2^24 classes for float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Targets<T, TIndex>(ref TIndex start) where T : IFloatingPointIeee754<T> where TIndex : IBinaryInteger<TIndex>
    {
        if (typeof(TIndex) == typeof(long))
        {
            ref long s = ref Unsafe.As<TIndex, long>(ref start);
            Vector256<double> low = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref s));
            if (typeof(T) == typeof(double))
            {
                return low.As<double, T>();
            }

            Vector256<double> high = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref s, 4));
            return Vector256.Narrow(low, high).As<float, T>();
        }

        if (typeof(TIndex) == typeof(int))
        {
            ref int s = ref Unsafe.As<TIndex, int>(ref start);
            if (typeof(T) == typeof(float))
            {
                return Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s)).As<float, T>();
            }

            return Vector256.ConvertToDouble(Vector256.WidenLower(Vector128.LoadUnsafe(ref s).ToVector256())).As<double, T>();
        }

        Vector256<T> result = Vector256<T>.Zero;
        for (int i = 0; i < Vector256<T>.Count; i++)
        {
            result = result.WithElement(i, T.CreateTruncating(Unsafe.Add(ref start, i)));
        }

        return result;
    }

    /// <summary>Lane i holds the lane of <paramref name="rows"/> that <paramref name="indices"/> (from ExpandIndices) names: row values spread over a flat vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Expand<T>(Vector256<T> rows, Vector256<T> indices) where T : IFloatingPointIeee754<T>
    {
        if (Avx2.IsSupported)
        {
            return Avx2.PermuteVar8x32(rows.AsInt32(), indices.AsInt32()).As<int, T>();
        }

        return Vector256.Shuffle(rows.AsInt32(), indices.AsInt32()).As<int, T>();
    }

    // ---------------------------------------------------------------- 512 bits: two 256-bit halves

    /// <summary>
    /// Lane i holds the element at <paramref name="start"/> + i * <paramref name="stride"/> (memory must be pinned).
    /// Reads nothing outside [start, start + (Count - 1) * stride].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Gather512<T>(ref T start, nint stride) where T : IFloatingPointIeee754<T>
    {
        // Short strides (the class counts of unrolled lane blocks): the elements lie in `stride` whole vectors, so loads
        // and two-source permutes beat the hardware gather (measured on AMD family 26: 2.7x at stride 4, 1.3x at 6,
        // even at 7 and 8, no better at 10, where the hardware gather is kept).
        if (Avx512F.IsSupported && stride >= 1 && stride <= 8)
        {
            if (typeof(T) == typeof(float))
            {
                return GatherShort(ref Unsafe.As<T, float>(ref start), (int)stride).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return GatherShort(ref Unsafe.As<T, double>(ref start), (int)stride).As<double, T>();
            }
        }

        return Vector512.Create(Gather(ref start, stride), Gather(ref Unsafe.Add(ref start, Vector256<T>.Count * stride), stride));
    }

    /// <summary>
    /// <see cref="Gather512{T}(ref T, nint)"/> for 16 floats at a stride of at most 8: the span holds `stride` vectors;
    /// each pair of them gives its lanes through one two-source permute, and a blend keeps them. The last vector is
    /// loaded under a mask, so nothing past the last element is read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> GatherShort(ref float start, int stride)
    {
        const int count = 16;
        Vector512<int> element = Vector512<int>.Indices * stride; // lane i's element, relative to start
        Vector512<float> last = TailMask512<float>(count + 1 - stride); // of the last vector, the lanes up to (count - 1) * stride
        Vector512<float> result = Vector512<float>.Zero;
        for (int pair = 0; 2 * pair < stride; pair++)
        {
            int first = 2 * pair, second = 2 * pair + 1;
            Vector512<float> low = first == stride - 1 ? LoadTail(ref Unsafe.Add(ref start, first * count), last) : Vector512.LoadUnsafe(ref start, (nuint)(first * count));
            Vector512<float> high = second > stride - 1 ? Vector512<float>.Zero
                : second == stride - 1 ? LoadTail(ref Unsafe.Add(ref start, second * count), last) : Vector512.LoadUnsafe(ref start, (nuint)(second * count));
            Vector512<int> index = element - Vector512.Create(first * count);
            Vector512<float> picked = Avx512F.PermuteVar16x32x2(low, index, high);
            Vector512<int> inPair = Vector512.Equals(Vector512.ShiftRightArithmetic(element, 5), Vector512.Create(pair));
            result = Vector512.ConditionalSelect(inPair.AsSingle(), picked, result);
        }

        return result;
    }

    /// <summary><see cref="GatherShort(ref float, int)"/> for 8 doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> GatherShort(ref double start, int stride)
    {
        const int count = 8;
        Vector512<long> element = Vector512<long>.Indices * stride;
        Vector512<double> last = TailMask512<double>(count + 1 - stride);
        Vector512<double> result = Vector512<double>.Zero;
        for (int pair = 0; 2 * pair < stride; pair++)
        {
            int first = 2 * pair, second = 2 * pair + 1;
            Vector512<double> low = first == stride - 1 ? LoadTail(ref Unsafe.Add(ref start, first * count), last) : Vector512.LoadUnsafe(ref start, (nuint)(first * count));
            Vector512<double> high = second > stride - 1 ? Vector512<double>.Zero
                : second == stride - 1 ? LoadTail(ref Unsafe.Add(ref start, second * count), last) : Vector512.LoadUnsafe(ref start, (nuint)(second * count));
            Vector512<long> index = element - Vector512.Create((long)(first * count));
            Vector512<double> picked = Avx512F.PermuteVar8x64x2(low, index, high);
            Vector512<long> inPair = Vector512.Equals(Vector512.ShiftRightArithmetic(element, 4), Vector512.Create((long)pair));
            result = Vector512.ConditionalSelect(inPair.AsDouble(), picked, result);
        }

        return result;
    }

    /// <summary>Lane i holds the element at <paramref name="start"/> + i * <paramref name="stride"/> + target_i * <paramref name="classStride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> GatherPick<T>(ref T start, nint stride, Vector512<T> targets, nint classStride) where T : IFloatingPointIeee754<T> =>
        Vector512.Create(
            GatherPick(ref start, stride, targets.GetLower(), classStride),
            GatherPick(ref Unsafe.Add(ref start, Vector256<T>.Count * stride), stride, targets.GetUpper(), classStride));

    /// <summary>The class indices of <c>Count</c> consecutive positions as lanes of T (exact below 2^24 classes for float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Targets512<T, TIndex>(ref TIndex start) where T : IFloatingPointIeee754<T> where TIndex : IBinaryInteger<TIndex> =>
        Vector512.Create(Targets<T, TIndex>(ref start), Targets<T, TIndex>(ref Unsafe.Add(ref start, Vector256<T>.Count)));

    /// <summary>The 512-bit <see cref="Expand{T}(Vector256{T}, Vector256{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Expand<T>(Vector512<T> rows, Vector512<T> indices) where T : IFloatingPointIeee754<T>
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.PermuteVar16x32(rows.AsInt32(), indices.AsInt32()).As<int, T>();
        }

        return Vector512.Shuffle(rows.AsInt32(), indices.AsInt32()).As<int, T>();
    }

    /// <summary>
    /// Of an Expand permutation at either width: the 32-bit lane that 32-bit lane <paramref name="i"/> of flat vector
    /// <paramref name="block"/> takes, for vectors of <paramref name="count"/> elements (<paramref name="lanes"/> 32-bit lanes).
    /// </summary>
    internal static int ExpandIndex(int i, int count, int lanes, int block, int classes)
    {
        int width = lanes / count; // 32-bit lanes per element
        int row = (block * count + i / width) / classes;
        return row * width + i % width;
    }

    /// <summary>The class of element <paramref name="i"/> of flat vector <paramref name="block"/> (vectors of <paramref name="count"/> elements).</summary>
    internal static int ClassOf(int block, int count, int i, int classes) => (block * count + i) % classes;
}
