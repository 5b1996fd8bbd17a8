using System;
using System.Globalization;

namespace LossGen.Bench;

/// <summary>Parses the "NxC" parameter strings the suites use (e.g. "4096x1000").</summary>
public static class Shapes
{
    public static (int N, int C) Parse(string shape)
    {
        var parts = shape.Split('x');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
