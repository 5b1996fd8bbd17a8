using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace LossGen.Bench;

/// <summary>One column of a row: what is timed, at full size, and optionally on a small slice for JIT warm-up.</summary>
internal sealed class Contender(string name, Action full, Action? small = null)
{
    public string Name { get; } = name;
    public Action Full { get; } = full;
    public Action? Small { get; } = small;
    public List<double> Samples { get; } = [];
    public double MedianMs => Timing.Median(Samples);
}

internal static class Timing
{
    /// <summary>Calls per contender per turn: the first settles (its caches, its threads) and is not timed.</summary>
    public const int CallsPerTurn = 4;

    /// <summary>
    /// Warms every contender up, then times them interleaved: each round gives every contender one turn (the order
    /// rotates from round to round), so noise from other processes on a shared machine falls on all columns alike.
    /// A turn is <see cref="CallsPerTurn"/> back-to-back calls, as a training loop makes them; the first is not timed,
    /// so what the previous contender left behind (evicted caches, its idle threads still holding a core) does not land
    /// on the next one. Stops after <paramref name="budgetSeconds"/> once <paramref name="minRounds"/> are done, or at
    /// <paramref name="maxRounds"/>. Every sample is one call, in milliseconds.
    /// </summary>
    public static void Interleaved(IReadOnlyList<Contender> contenders, double budgetSeconds, int minRounds, int maxRounds)
    {
        WarmUp(contenders);
        long start = Stopwatch.GetTimestamp();
        for (int round = 0; round < maxRounds; round++)
        {
            for (int k = 0; k < contenders.Count; k++)
            {
                var c = contenders[(k + round) % contenders.Count];
                c.Full();
                for (int call = 1; call < CallsPerTurn; call++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    c.Full();
                    long t1 = Stopwatch.GetTimestamp();
                    c.Samples.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency);
                }
            }
            if (round + 1 >= minRounds && Stopwatch.GetElapsedTime(start).TotalSeconds >= budgetSeconds) break;
        }
    }

    /// <summary>
    /// Small slices first, many times, with pauses so tiered compilation promotes the kernels to fully optimised
    /// code (tier 1) before anything is timed; then two full-size calls each (buffers warm, pages touched).
    /// </summary>
    public static void WarmUp(IReadOnlyList<Contender> contenders)
    {
        for (int pass = 0; pass < 3; pass++)
        {
            foreach (var c in contenders)
            {
                if (c.Small is null) continue;
                for (int i = 0; i < 60; i++) c.Small();
            }
            Thread.Sleep(120);
        }
        foreach (var c in contenders) { c.Full(); c.Full(); }
    }

    public static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(v => v).ToArray();
        int m = s.Length / 2;
        return s.Length % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
    }

    /// <summary>Bytes allocated (all threads) per call of <paramref name="run"/>, over a few warm calls.</summary>
    public static long AllocatedPerCall(Action run, int calls = 4)
    {
        run();
        long a0 = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < calls; i++) run();
        long a1 = GC.GetTotalAllocatedBytes(precise: true);
        return (a1 - a0) / calls;
    }
}
