using System;
using System.Linq;
using LossGen.Internal;
using Xunit;

namespace LossGen.Runtime.Tests;

/// <summary>Check.DenseTargets, the vectorised check of contiguous class indices, against a plain loop.</summary>
public class DenseTargetsTests
{
    private static (nint Bad, nint Counted) Plain(long[] t, nint classes, long ignore, bool hasIgnore)
    {
        nint counted = 0;
        for (int i = 0; i < t.Length; i++)
        {
            if (hasIgnore && t[i] == ignore)
            {
                continue;
            }

            if ((ulong)t[i] >= (ulong)classes)
            {
                return (i, 0);
            }

            counted++;
        }

        return (-1, counted);
    }

    [Theory]
    [InlineData(0, 5, -100, true, -1)]
    [InlineData(1, 5, -100, true, 0)]
    [InlineData(37, 5, -100, true, 36)]
    [InlineData(64, 10, 3, true, 17)]
    [InlineData(101, 7, -100, false, 8)]
    [InlineData(1000, 1000, -1, true, -1)]
    [InlineData(33, 2, 0, true, 32)]
    public void Matches_a_plain_loop_for_int_and_long(int n, int classes, long ignore, bool hasIgnore, int badAt)
    {
        var random = new Random(n * 31 + classes);
        long[] t = Enumerable.Range(0, n).Select(_ => random.Next(4) == 0 && hasIgnore ? ignore : random.Next(classes)).ToArray();
        if (badAt >= 0 && badAt < n)
        {
            t[badAt] = badAt % 2 == 0 ? classes : -7;
        }

        var expected = Plain(t, classes, ignore, hasIgnore);
        nint bad = Check.DenseTargets(ref t.AsSpan().GetPinnableReference(), n, classes, ignore, hasIgnore, out nint counted);
        Assert.Equal(expected, (bad, counted));

        int[] t32 = Array.ConvertAll(t, v => (int)v);
        bad = Check.DenseTargets(ref t32.AsSpan().GetPinnableReference(), n, classes, ignore, hasIgnore, out counted);
        Assert.Equal(expected, (bad, counted));

        short[] t16 = Array.ConvertAll(t, v => (short)v);
        bad = Check.DenseTargets(ref t16.AsSpan().GetPinnableReference(), n, classes, ignore, hasIgnore, out counted);
        Assert.Equal(expected, (bad, counted));
    }

    [Fact]
    public void Large_indices_are_out_of_range_not_wrapped()
    {
        long[] t = Enumerable.Repeat(1L, 16).ToArray();
        t[9] = long.MaxValue;
        Assert.Equal(9, Check.DenseTargets(ref t[0], t.Length, 5, -100, true, out _));
        t[9] = long.MinValue;
        Assert.Equal(9, Check.DenseTargets(ref t[0], t.Length, 5, -100, true, out _));
        int[] u = Enumerable.Repeat(1, 16).ToArray();
        u[12] = int.MinValue;
        Assert.Equal(12, Check.DenseTargets(ref u[0], u.Length, 5, -100, true, out _));
    }
}
