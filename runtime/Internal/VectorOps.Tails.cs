using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LossGen.Internal;

// The last, partial vector of a class loop. A row of C classes ends with C mod Count elements that fill no whole
// vector; at 1000 float classes and 16 lanes that is 8 per row and per pass, and done one at a time they cost as much
// as a sixth of the row (each one its own exp). Instead the kernel runs one more vector step under a mask: masked
// loads fill the masked-off lanes with zeros and masked stores leave memory there alone, and each reduction keeps its
// partials unchanged in the masked-off lanes (a ConditionalSelect). Masked-off lanes never fault: AVX-512 masked moves
// guarantee it; for AVX's vmaskmov Intel documents it and AMD leaves it to the implementation, so TailTests checks it
// on the machine that runs them, with a no-access page right after the row. Helpers at 256 and 512 bits; the 512-bit
// ones have a 512 suffix where they take no vector. Memory must be pinned (Chunks.Run keeps it so).
public static partial class VectorOps
{
    /// <summary>
    /// Asks for the cache line holding <paramref name="element"/> to be brought into cache (a hint: never faults, may be
    /// ignored; nothing on hardware without a prefetch instruction .NET exposes). Kernels call it for the next row while
    /// computing on this one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T element)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref element));
        }
    }

    // ---------------------------------------------------------------- 256 bits

    /// <summary>The lanes <paramref name="mask"/> selects read from <paramref name="source"/>, zero in the others; nothing else is read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<T> LoadTail<T>(ref T source, Vector256<T> mask) where T : IFloatingPointIeee754<T>
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

        Vector256<T> result = Vector256<T>.Zero;
        uint bits = Vector256.ExtractMostSignificantBits(mask);
        for (int i = 0; bits != 0; i++, bits >>= 1)
        {
            if ((bits & 1) != 0)
            {
                result = result.WithElement(i, Unsafe.Add(ref source, i));
            }
        }

        return result;
    }

    /// <summary>Writes the lanes <paramref name="mask"/> selects to <paramref name="destination"/>; nothing else is written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreTail<T>(Vector256<T> value, ref T destination, Vector256<T> mask) where T : IFloatingPointIeee754<T>
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

        uint bits = Vector256.ExtractMostSignificantBits(mask);
        for (int i = 0; bits != 0; i++, bits >>= 1)
        {
            if ((bits & 1) != 0)
            {
                Unsafe.Add(ref destination, i) = value.GetElement(i);
            }
        }
    }

    // ---------------------------------------------------------------- 512 bits

    /// <summary>The 512-bit <see cref="LoadTail{T}(ref T, Vector256{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<T> LoadTail<T>(ref T source, Vector512<T> mask) where T : IFloatingPointIeee754<T>
    {
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                return Avx512F.MaskLoad((float*)Unsafe.AsPointer(ref source), mask.AsSingle(), Vector512<float>.Zero).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Avx512F.MaskLoad((double*)Unsafe.AsPointer(ref source), mask.AsDouble(), Vector512<double>.Zero).As<double, T>();
            }
        }

        Vector512<T> result = Vector512<T>.Zero;
        ulong bits = Vector512.ExtractMostSignificantBits(mask);
        for (int i = 0; bits != 0; i++, bits >>= 1)
        {
            if ((bits & 1) != 0)
            {
                result = result.WithElement(i, Unsafe.Add(ref source, i));
            }
        }

        return result;
    }

    /// <summary>The 512-bit <see cref="StoreTail{T}(Vector256{T}, ref T, Vector256{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreTail<T>(Vector512<T> value, ref T destination, Vector512<T> mask) where T : IFloatingPointIeee754<T>
    {
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                Avx512F.MaskStore((float*)Unsafe.AsPointer(ref destination), mask.AsSingle(), value.AsSingle());
                return;
            }

            if (typeof(T) == typeof(double))
            {
                Avx512F.MaskStore((double*)Unsafe.AsPointer(ref destination), mask.AsDouble(), value.AsDouble());
                return;
            }
        }

        ulong bits = Vector512.ExtractMostSignificantBits(mask);
        for (int i = 0; bits != 0; i++, bits >>= 1)
        {
            if ((bits & 1) != 0)
            {
                Unsafe.Add(ref destination, i) = value.GetElement(i);
            }
        }
    }
}
