using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace LossGen.Conformance.Tests;

public enum Precision { Float64, Float32 }

/// <summary>
/// Collects every mismatch of one call against the reference (docs/getting-started.md tolerance), then fails once with
/// the case id, method, precision, and for each bad element its index, expected and actual value.
/// </summary>
public sealed class Mismatches(string caseId, string method, Precision precision)
{
    private const int MaxListed = 12;
    private readonly List<string> _lines = [];
    private int _count;

    /// <summary>
    /// float64: within 1e-9 relative (1e-12 absolute near zero); float32: within 1e-5 relative or 1e-6 absolute.
    /// NaN matches only NaN; an infinity only the same infinity.
    /// </summary>
    public static bool Close(double expected, double actual, Precision precision)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual))
            return double.IsNaN(expected) && double.IsNaN(actual);
        if (double.IsInfinity(expected) || double.IsInfinity(actual))
            return expected == actual;
        double diff = Math.Abs(actual - expected);
        return precision == Precision.Float64
            ? diff <= 1e-9 * Math.Abs(expected) || diff <= 1e-12
            : diff <= 1e-5 * Math.Abs(expected) || diff <= 1e-6;
    }

    /// <param name="what">"loss", "dx" or "dy".</param>
    /// <param name="expected">Reference values, multiplied by <paramref name="scale"/>.</param>
    /// <param name="shape">The reference shape, for multi-indices in messages.</param>
    /// <param name="sentinel">The value the output buffer held before the call ("not written" when it still does).</param>
    /// <param name="exactForInputs">
    /// float32 only: the float64 kernel's result on the float32-rounded inputs. The reference inputs are not
    /// float32 numbers, and where the result is ill-conditioned (BCE's (x - y)/(x(1 - x)) with x close to y)
    /// rounding the inputs alone moves the exact answer by more than 1e-5. A float32 value within tolerance of
    /// either the reference or this is accepted; the float64 kernel itself is held to the reference at 1e-9.
    /// </param>
    public void Compare(string what, ReadOnlySpan<double> actual, IReadOnlyList<double> expected, int[] shape,
        double scale = 1, double? sentinel = null, IReadOnlyList<double>? exactForInputs = null)
    {
        if (actual.Length != expected.Count)
        {
            Add($"{what}: {actual.Length} values, expected {expected.Count}");
            return;
        }
        for (int i = 0; i < actual.Length; i++)
        {
            double e = expected[i] * scale, a = actual[i];
            if (Close(e, a, precision) || (exactForInputs is not null && Close(exactForInputs[i], a, precision)))
                continue;
            string note = sentinel is { } s && a == s ? " (not written)" : "";
            string alt = exactForInputs is null ? "" : $" (float64 kernel on float32 inputs: {exactForInputs[i]:R})";
            Add($"{what}[{i}]{MultiIndex(i, shape)}: expected {e:R}, actual {a:R}{note}, |diff| {Math.Abs(a - e):E2}{alt}");
        }
    }

    public void Fail(string message) => Add(message);

    public void ThrowIfAny()
    {
        if (_count == 0)
            return;
        string more = _count > MaxListed ? $"\n  ... and {_count - MaxListed} more" : "";
        Assert.Fail($"{caseId} | {method} | {precision}: {_count} mismatch(es)\n  {string.Join("\n  ", _lines)}{more}");
    }

    private void Add(string line)
    {
        if (_count++ < MaxListed)
            _lines.Add(line);
    }

    private static string MultiIndex(int flat, int[] shape)
    {
        if (shape.Length < 2)
            return "";
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return $" at [{string.Join(", ", index)}]";
    }
}
