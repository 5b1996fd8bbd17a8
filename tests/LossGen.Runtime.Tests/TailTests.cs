using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LossGen.Internal;
using Xunit;

namespace LossGen.Runtime.Tests;

/// <summary>
/// VectorOps.TailMask / LoadTail / StoreTail, the masked last step of a class loop: they must read and write the
/// masked lanes only, even when the row ends where readable memory ends.
/// </summary>
public unsafe class TailTests
{
    [Fact]
    public void Masks_select_the_first_count_lanes_at_both_widths()
    {
        for (int count = 0; count <= Vector256<float>.Count; count++)
        {
            Assert.Equal((1u << count) - 1, Vector256.ExtractMostSignificantBits(VectorOps.TailMask<float>(count)));
        }

        for (int count = 0; count <= Vector256<double>.Count; count++)
        {
            Assert.Equal((1u << count) - 1, Vector256.ExtractMostSignificantBits(VectorOps.TailMask<double>(count)));
        }

        for (int count = 0; count <= Vector512<float>.Count; count++)
        {
            Assert.Equal((1ul << count) - 1, Vector512.ExtractMostSignificantBits(VectorOps.TailMask512<float>(count)));
        }

        for (int count = 0; count <= Vector512<double>.Count; count++)
        {
            Assert.Equal((1ul << count) - 1, Vector512.ExtractMostSignificantBits(VectorOps.TailMask512<double>(count)));
        }
    }

    [Fact]
    public void Float_tails_touch_only_their_lanes_up_to_a_guard_page()
    {
        for (int count = 1; count < Vector512<float>.Count; count++)
        {
            if (count < Vector256<float>.Count)
            {
                Check<float>(count, 256);
            }

            Check<float>(count, 512);
        }
    }

    [Fact]
    public void Double_tails_touch_only_their_lanes_up_to_a_guard_page()
    {
        for (int count = 1; count < Vector512<double>.Count; count++)
        {
            if (count < Vector256<double>.Count)
            {
                Check<double>(count, 256);
            }

            Check<double>(count, 512);
        }
    }

    [Fact]
    public void Gather512_gives_every_stride_its_elements_and_reads_nothing_past_the_last()
    {
        for (int stride = 1; stride <= 12; stride++)
        {
            Gather<float>(stride);
            Gather<double>(stride);
        }
    }

    private static void Gather<T>(int stride) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var memory = new GuardedPage();
        int span = (Vector512<T>.Count - 1) * stride + 1;
        T* start = (T*)memory.End - span; // the last lane's element is the last readable one
        for (int i = 0; i < span; i++)
        {
            start[i] = T.CreateTruncating(i * 0.25 - 7);
        }

        Vector512<T> lanes = VectorOps.Gather512(ref start[0], stride);
        for (int i = 0; i < Vector512<T>.Count; i++)
        {
            Assert.Equal(start[i * stride], lanes.GetElement(i));
        }
    }

    [Fact]
    public void Prefetch_is_a_hint_that_never_faults()
    {
        // Kernels prefetch the next row, which past the last row is memory nobody may read.
        using var memory = new GuardedPage();
        VectorOps.Prefetch(ref *(float*)memory.End);
        VectorOps.Prefetch(ref *((double*)memory.End + 100));
        float* last = (float*)memory.End - 1;
        *last = 3;
        VectorOps.Prefetch(ref *last);
        Assert.Equal(3f, *last);
    }

    /// <summary>
    /// A row of <paramref name="count"/> elements placed so that its last element is the last readable one (a
    /// no-access page follows, where the OS lets us make one): the masked load sees the row and zeros, the masked
    /// store changes the row and nothing before it.
    /// </summary>
    private static void Check<T>(int count, int bits) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var memory = new GuardedPage();
        T* row = (T*)memory.End - count;
        T* before = row - 4;
        for (int i = -4; i < count; i++)
        {
            row[i] = T.CreateTruncating(i + 1.5);
        }

        if (bits == 256)
        {
            Vector256<T> mask = VectorOps.TailMask<T>(count);
            Vector256<T> loaded = VectorOps.LoadTail(ref row[0], mask);
            for (int i = 0; i < Vector256<T>.Count; i++)
            {
                Assert.Equal(i < count ? row[i] : T.Zero, loaded.GetElement(i));
            }

            VectorOps.StoreTail(loaded * T.CreateTruncating(-2), ref row[0], mask);
        }
        else
        {
            Vector512<T> mask = VectorOps.TailMask512<T>(count);
            Vector512<T> loaded = VectorOps.LoadTail(ref row[0], mask);
            for (int i = 0; i < Vector512<T>.Count; i++)
            {
                Assert.Equal(i < count ? row[i] : T.Zero, loaded.GetElement(i));
            }

            VectorOps.StoreTail(loaded * T.CreateTruncating(-2), ref row[0], mask);
        }

        for (int i = 0; i < count; i++)
        {
            Assert.Equal(T.CreateTruncating(-2 * (i + 1.5)), row[i]);
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(T.CreateTruncating(i - 4 + 1.5), before[i]);
        }
    }

    /// <summary>One read-write page followed, on Linux, by a no-access page: touching past <see cref="End"/> faults.</summary>
    private sealed class GuardedPage : IDisposable
    {
        private const int ProtNone = 0, ProtReadWrite = 3, MapPrivateAnonymous = 0x22;
        private readonly byte* _start;
        private readonly nuint _length;
        private readonly bool _mapped;

        public GuardedPage()
        {
            nuint page = (nuint)Environment.SystemPageSize;
            _length = 2 * page;
            if (OperatingSystem.IsLinux())
            {
                _start = (byte*)mmap(null, _length, ProtReadWrite, MapPrivateAnonymous, -1, 0);
                Assert.True(_start != (byte*)-1, "mmap failed");
                Assert.Equal(0, mprotect(_start + page, page, ProtNone));
                _mapped = true;
            }
            else
            {
                _start = (byte*)NativeMemory.AlignedAlloc(_length, page);
            }

            End = _start + page;
        }

        public byte* End { get; }

        public void Dispose()
        {
            if (_mapped)
            {
                munmap(_start, _length);
            }
            else
            {
                NativeMemory.AlignedFree(_start);
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc", SetLastError = true)]
        private static extern int mprotect(void* address, nuint length, int protection);

        [DllImport("libc", SetLastError = true)]
        private static extern int munmap(void* address, nuint length);
    }
}
