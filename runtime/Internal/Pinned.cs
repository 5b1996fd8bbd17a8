using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LossGen.Internal;

/// <summary>
/// Up to 10 addresses of memory pinned for the duration of a <see cref="Chunks"/>.Run call: the refs r0..r9 passed to
/// it, in that order. Generated kernels get at them with <see cref="Ref{T}(int)"/> and so never need pointers.
/// A default instance holds 10 null refs.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly unsafe struct Pinned
{
    private readonly void* _p0;
    private readonly void* _p1;
    private readonly void* _p2;
    private readonly void* _p3;
    private readonly void* _p4;
    private readonly void* _p5;
    private readonly void* _p6;
    private readonly void* _p7;
    private readonly void* _p8;
    private readonly void* _p9;

    internal Pinned(void* p0, void* p1, void* p2, void* p3, void* p4, void* p5, void* p6, void* p7, void* p8, void* p9)
    {
        _p0 = p0;
        _p1 = p1;
        _p2 = p2;
        _p3 = p3;
        _p4 = p4;
        _p5 = p5;
        _p6 = p6;
        _p7 = p7;
        _p8 = p8;
        _p9 = p9;
    }

    /// <summary>
    /// A ref to the element at the start of pinned memory <paramref name="index"/> (0..9, the position of the ref among
    /// r0..r9), reinterpreted as <typeparamref name="T"/>. A null ref if the caller passed a null ref there
    /// (check with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>). Valid only while the Run call that produced
    /// this instance is in progress.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in 0..9.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T Ref<T>(int index)
    {
        void* address = index switch
        {
            0 => _p0,
            1 => _p1,
            2 => _p2,
            3 => _p3,
            4 => _p4,
            5 => _p5,
            6 => _p6,
            7 => _p7,
            8 => _p8,
            9 => _p9,
            _ => BadIndex(index),
        };
        return ref Unsafe.AsRef<T>(address);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void* BadIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"Expected a pinned-memory index in [0, 7], got {index}.");
}
