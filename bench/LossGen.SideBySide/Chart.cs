using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace LossGen.Bench;

/// <summary>The table as a grouped bar chart (milliseconds on a log scale, lower is better), saved as PNG.</summary>
internal static class Chart
{
    private static readonly (string Name, Color Color, Func<RowResult, double> Value)[] Columns =
    [
        ("copy of x (memory floor)", Color.FromHex("#9E9E9E"), r => r.CopyMs),
        ("libtorch (TorchSharp-cpu, 2 threads)", Color.FromHex("#EE4C2C"), r => r.TorchMs),
        ("TensorPrimitives composition", Color.FromHex("#1F77B4"), r => r.ComposedMs),
        ("LossGen ForwardBackward", Color.FromHex("#512BD4"), r => r.LossGenMs),
    ];

    public static void Save(IReadOnlyList<RowResult> rows, string path, string subtitle)
    {
        var values = rows.SelectMany(r => Columns.Select(c => c.Value(r))).Where(v => !double.IsNaN(v) && v > 0).ToArray();
        if (values.Length == 0) return;
        // Whole decades, with room below the smallest bar and above the tallest for its label.
        int lo = (int)Math.Floor(Math.Log10(values.Min()) - 0.3);
        int hi = (int)Math.Ceiling(Math.Log10(values.Max()) + 0.2);

        // Bars stand on the bottom of the axis: y is decades above 10^lo ms (ScottPlot puts the labels of bars
        // with negative values below them, out of sight).
        double Y(double ms) => Math.Log10(ms) - lo;

        using var plot = new Plot();
        const double group = 5; // four bars and a gap
        var bars = new List<Bar>();
        for (int i = 0; i < rows.Count; i++)
        {
            for (int k = 0; k < Columns.Length; k++)
            {
                double ms = Columns[k].Value(rows[i]);
                if (double.IsNaN(ms) || ms <= 0) continue;
                bars.Add(new Bar
                {
                    Position = i * group + k,
                    Value = Y(ms),
                    ValueBase = 0,
                    FillColor = Columns[k].Color,
                    LineWidth = 0,
                    Label = Report.Ms(ms),
                });
            }
            // The goal: the slowest LossGen time that meets every timing goal of the row.
            double goal = GoalMs(rows[i]);
            if (!double.IsNaN(goal))
            {
                double x = i * group + 3;
                var line = plot.Add.Line(x - 0.6, Y(goal), x + 0.6, Y(goal));
                line.LineWidth = 3;
                line.LineColor = Colors.Black;
                line.LinePattern = LinePattern.Dashed;
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;

        var yTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int d = lo; d <= hi; d++)
        {
            yTicks.AddMajor(d - lo, TickLabel(d));
            if (d < hi) for (int m = 2; m <= 9; m++) yTicks.AddMinor(d - lo + Math.Log10(m));
        }
        plot.Axes.Left.TickGenerator = yTicks;
        plot.Axes.Left.Label.Text = "milliseconds per call (log scale; lower is better)";

        var xTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < rows.Count; i++) xTicks.AddMajor(i * group + 1.5, rows[i].Label);
        plot.Axes.Bottom.TickGenerator = xTicks;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.HideGrid();
        plot.Grid.YAxisStyle.IsVisible = true;

        plot.Axes.SetLimits(-1, rows.Count * group - 1, 0, hi - lo);
        plot.Title("Cross entropy, float32, mean, forward + backward");
        plot.Axes.Title.Label.FontSize = 18;
        plot.Axes.Bottom.Label.Text = subtitle;
        plot.Axes.Bottom.Label.FontSize = 12;

        plot.Legend.ManualItems.AddRange(Columns.Select(c => new LegendItem { LabelText = c.Name, FillColor = c.Color }));
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "speed goal (LossGen at or below)", LineColor = Colors.Black, LineWidth = 3, LinePattern = LinePattern.Dashed });
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Edge.Top);

        plot.SavePng(path, 1280, 640);
    }

    private static string TickLabel(int decade) =>
        decade >= 0 ? Math.Pow(10, decade).ToString("0", System.Globalization.CultureInfo.InvariantCulture)
        : Math.Pow(10, decade).ToString("0." + new string('#', -decade), System.Globalization.CultureInfo.InvariantCulture);

    private static double GoalMs(RowResult r)
    {
        var limits = r.Goals.Select(g => g.LimitMs(r)).Where(v => !double.IsNaN(v)).ToArray();
        return limits.Length == 0 ? double.NaN : limits.Min();
    }
}
