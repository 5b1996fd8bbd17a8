using System;
using System.Collections.Generic;

namespace LossGen.Generator.Semantics;

/// <summary>Finds the closest valid name for an unknown one (edit distance).</summary>
internal static class Suggestions
{
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        int allowed = Math.Max(2, name.Length / 2);
        string lower = name.ToLowerInvariant();
        foreach (string candidate in candidates)
        {
            // The edit distance is at least the difference in length: most candidates need no table.
            if (Math.Abs(candidate.Length - name.Length) > Math.Min(allowed, bestDistance))
            {
                continue;
            }

            int distance = Distance(lower, candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // Suggest only what is plausibly a typo.
        return best is not null && bestDistance <= allowed ? best : null;
    }

    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
