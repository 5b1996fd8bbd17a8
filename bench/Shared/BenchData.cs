// Deterministic inputs for bench/: the same seed gives the same logits, targets and soft labels on every
// machine and every run (SplitMix64, independent of System.Random's algorithm).
using System;

namespace LossGen.Bench;

/// <summary>A fixed-seed generator of benchmark inputs.</summary>
public sealed class BenchData
{
    /// <summary>The seed every bench input is drawn from unless told otherwise.</summary>
    public const ulong DefaultSeed = 20251125;

    private ulong _state;

    /// <summary>Starts the sequence at <paramref name="seed"/>.</summary>
    public BenchData(ulong seed = DefaultSeed) => _state = seed;

    /// <summary>The next 64 random bits (SplitMix64).</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Logits: standard normal (Box-Muller) times <paramref name="scale"/>.</summary>
    public float[] Logits(int n, int c, double scale = 3.0)
    {
        var x = new float[checked(n * c)];
        for (int i = 0; i < x.Length; i += 2)
        {
            double u1 = 1.0 - NextDouble(), u2 = NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)) * scale;
            x[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < x.Length) x[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return x;
    }

    /// <summary>Class indices uniform in [0, <paramref name="c"/>).</summary>
    public int[] Targets(int n, int c)
    {
        var t = new int[n];
        for (int i = 0; i < n; i++) t[i] = (int)(NextUInt64() % (ulong)c);
        return t;
    }

    /// <summary>Soft labels: each row a probability distribution (positive, sums to 1).</summary>
    public float[] SoftLabels(int n, int c)
    {
        var y = new float[checked(n * c)];
        for (int i = 0; i < n; i++)
        {
            var row = y.AsSpan(i * c, c);
            double sum = 0;
            for (int j = 0; j < c; j++) { double v = -Math.Log(1.0 - NextDouble()); row[j] = (float)v; sum += v; }
            for (int j = 0; j < c; j++) row[j] = (float)(row[j] / sum);
        }
        return y;
    }

    /// <summary>Binary targets in {0, 1} (for BCE with logits), as floats.</summary>
    public float[] Binary(int count)
    {
        var y = new float[count];
        for (int i = 0; i < count; i++) y[i] = (NextUInt64() & 1) == 0 ? 0f : 1f;
        return y;
    }

    /// <summary>Widens to double.</summary>
    public static double[] ToDouble(float[] a) => Array.ConvertAll(a, v => (double)v);
}
