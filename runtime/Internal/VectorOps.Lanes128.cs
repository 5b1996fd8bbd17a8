using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LossGen.Internal;

// The lane and tail helpers of VectorOps.Lanes.cs and VectorOps.Tails.cs at 128 bits: what SSE machines and ARM64
// (NEON) run. Portable Vector128 code, except the masked tail moves, which use AVX's 128-bit vmaskmov where there is
// one (a 128-bit kernel also runs on an AVX machine whose 256-bit code is switched off). The helpers without a vector
// parameter have a 128 suffix.
public static partial class VectorOps
{
    /// <summary>Lane i holds the element at <paramref name="start"/> + i * <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Gather128<T>(ref T start, nint stride) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            ref float s = ref Unsafe.As<T, float>(ref start);
            return Vector128.Create(s, Unsafe.Add(ref s, stride), Unsafe.Add(ref s, 2 * stride), Unsafe.Add(ref s, 3 * stride)).As<float, T>();
        }

        ref double d = ref Unsafe.As<T, double>(ref start);
        return Vector128.Create(d, Unsafe.Add(ref d, stride)).As<double, T>();
    }

    /// <summary>Lane i holds the element at <paramref name="start"/> + i * <paramref name="stride"/> + target_i * <paramref name="classStride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> GatherPick<T>(ref T start, nint stride, Vector128<T> targets, nint classStride) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> result = Vector128<T>.Zero;
        for (int i = 0; i < Vector128<T>.Count; i++)
        {
            nint target = nint.CreateTruncating(targets.GetElement(i));
            result = result.WithElement(i, Unsafe.Add(ref start, i * stride + target * classStride));
        }

        return result;
    }

    /// <summary>The class indices of <c>Count</c> consecutive positions as lanes of T (exact below 2^24 classes for float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Targets128<T, TIndex>(ref TIndex start) where T : IFloatingPointIeee754<T> where TIndex : IBinaryInteger<TIndex>
    {
        if (typeof(TIndex) == typeof(long))
        {
            ref long s = ref Unsafe.As<TIndex, long>(ref start);
            Vector128<double> low = Vector128.ConvertToDouble(Vector128.LoadUnsafe(ref s));
            if (typeof(T) == typeof(double))
            {
                return low.As<double, T>();
            }

            Vector128<double> high = Vector128.ConvertToDouble(Vector128.LoadUnsafe(ref s, 2));
            return Vector128.Narrow(low, high).As<float, T>();
        }

        if (typeof(TIndex) == typeof(int) && typeof(T) == typeof(float))
        {
            return Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref Unsafe.As<TIndex, int>(ref start))).As<float, T>();
        }

        // Two int targets for two doubles: read exactly those (a 128-bit load would read past the block's last position).
        Vector128<T> result = Vector128<T>.Zero;
        for (int i = 0; i < Vector128<T>.Count; i++)
        {
            result = result.WithElement(i, T.CreateTruncating(Unsafe.Add(ref start, i)));
        }

        return result;
    }

    /// <summary>The 128-bit <see cref="Expand{T}(Vector256{T}, Vector256{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Expand<T>(Vector128<T> rows, Vector128<T> indices) where T : IFloatingPointIeee754<T>
    {
        if (Avx.IsSupported)
        {
            return Avx.PermuteVar(rows.AsSingle(), indices.AsInt32()).As<float, T>();
        }

        return Vector128.Shuffle(rows.AsInt32(), indices.AsInt32()).As<int, T>();
    }

    /// <summary>The 128-bit <see cref="LoadTail{T}(ref T, Vector256{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector128<T> LoadTail<T>(ref T source, Vector128<T> mask) where T : IFloatingPointIeee754<T>
    {
        if (Avx.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                return Avx.MaskLoad((float*)Unsafe.AsPointer(ref source), mask.AsSingle()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Avx.MaskLoad((double*)Unsafe.AsPointer(ref source), mask.AsDouble()).As<double, T>();
            }
        }

        Vector128<T> result = Vector128<T>.Zero;
        uint bits = Vector128.ExtractMostSignificantBits(mask);
        for (int i = 0; bits != 0; i++, bits >>= 1)
        {
            if ((bits & 1) != 0)
            {
                result = result.WithElement(i, Unsafe.Add(ref source, i));
            }
        }

        return result;
    }

    /// <summary>The 128-bit <see cref="StoreTail{T}(Vector256{T}, ref T, Vector256{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreTail<T>(Vector128<T> value, ref T destination, Vector128<T> mask) where T : IFloatingPointIeee754<T>
    {
        if (Avx.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                Avx.MaskStore((float*)Unsafe.AsPointer(ref destination), mask.AsSingle(), value.AsSingle());
                return;
            }

            if (typeof(T) == typeof(double))
            {
                Avx.MaskStore((double*)Unsafe.AsPointer(ref destination), mask.AsDouble(), value.AsDouble());
                return;
            }
        }

        uint bits = Vector128.ExtractMostSignificantBits(mask);
        for (int i = 0; bits != 0; i++, bits >>= 1)
        {
            if ((bits & 1) != 0)
            {
                Unsafe.Add(ref destination, i) = value.GetElement(i);
            }
        }
    }
}
