// The fused linear + cross entropy rows as a chart (docs/performance.md, "Fused linear + cross entropy").
#if LOSSGEN_TORCH_BRIDGE
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;

namespace LossGen.Bench;

/// <summary>One row's measures: seconds per step and the memory beyond dh and dW, in MB.</summary>
internal sealed record LinearResult(long Vocabulary, double UnfusedMs, double FusedMs, double ProductsMs, double UnfusedBeyondMb, double FusedBeyondMb);

/// <summary>Two panels side by side: time per step (lower is better) and memory beyond the gradients (log scale).</summary>
internal static class LinearChart
{
    private static readonly Color Torch = Color.FromHex("#EE4C2C"), LossGen = Color.FromHex("#512BD4"), Products = Color.FromHex("#9E9E9E");

    public static void Save(IReadOnlyList<LinearResult> rows, string path, string subtitle)
    {
        using var time = Panel(rows, "forward + backward, seconds per step", [
            ("F.linear + F.cross_entropy", Torch, r => r.UnfusedMs / 1000),
            ("LossGen LinearLoss (fused)", LossGen, r => r.FusedMs / 1000),
            ("the three products alone", Products, r => r.ProductsMs / 1000)], log: false);
        using var memory = Panel(rows, "memory beyond dh and dW, MB (log scale)", [
            ("F.linear + F.cross_entropy", Torch, r => r.UnfusedBeyondMb),
            ("LossGen LinearLoss (fused)", LossGen, r => r.FusedBeyondMb)], log: true);
        time.Axes.Bottom.Label.Text = subtitle;
        var multiplot = new Multiplot(time);
        multiplot.AddPlot(memory);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(path, 1280, 560);
    }

    private static Plot Panel(IReadOnlyList<LinearResult> rows, string title, (string Name, Color Color, System.Func<LinearResult, double> Value)[] columns, bool log)
    {
        var plot = new Plot();
        int group = columns.Length + 1;
        var bars = new List<Bar>();
        for (int i = 0; i < rows.Count; i++)
        {
            for (int k = 0; k < columns.Length; k++)
            {
                double value = System.Math.Max(columns[k].Value(rows[i]), 1);
                bars.Add(new Bar
                {
                    Position = i * group + k,
                    Value = log ? System.Math.Log10(value) : value,
                    ValueBase = 0,
                    FillColor = columns[k].Color,
                    LineWidth = 0,
                    Label = value.ToString(log ? "0" : "0.0", CultureInfo.InvariantCulture),
                });
            }
        }

        plot.Add.Bars(bars);
        var xTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < rows.Count; i++)
            xTicks.AddMajor(i * group + (columns.Length - 1) / 2.0, "V = " + rows[i].Vocabulary.ToString(CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = xTicks;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        if (log)
        {
            var yTicks = new ScottPlot.TickGenerators.NumericManual();
            for (int d = 0; d <= 5; d++)
                yTicks.AddMajor(d, System.Math.Pow(10, d).ToString("0", CultureInfo.InvariantCulture));
            plot.Axes.Left.TickGenerator = yTicks;
        }

        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.Legend.ManualItems.AddRange(columns.Select(c => new LegendItem { LabelText = c.Name, FillColor = c.Color }));
        plot.ShowLegend(Edge.Top);
        plot.HideGrid();
        return plot;
    }
}
#endif
