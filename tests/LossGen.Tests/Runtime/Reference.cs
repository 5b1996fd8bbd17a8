using System;

namespace LossGen.Tests.Runtime;

/// <summary>Plain loops, written independently of the generator, for cross entropy over [N, C] rows.</summary>
internal static class Reference
{
    public static double CrossEntropyRow(ReadOnlySpan<double> row, int target, Span<double> grad, double scale)
    {
        double max = double.NegativeInfinity;
        foreach (double v in row)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (double v in row)
        {
            sum += Math.Exp(v - max);
        }

        double lse = max + Math.Log(sum);
        for (int c = 0; c < row.Length; c++)
        {
            grad[c] = scale * (Math.Exp(row[c] - lse) - (c == target ? 1 : 0));
        }

        return lse - row[target];
    }
}
