// Trains two classifiers of handwritten digits (the UCI optical digits, 8x8 images, shipped in data/) with losses that
// LossGen compiled: softmax regression with the canned [CrossEntropyLoss], and a network with one hidden layer with a
// loss written in the expression language. The models' forward and backward passes are written by hand over spans;
// the loss and its gradient with respect to the logits come from the generated ForwardBackward.
//
//   dotnet run --project samples/Training [-- path/of/the/plot.png]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Numerics.Tensors;
using LossGen;

const int Seed = 20260601;
const int Epochs = 30;
const int BatchSize = 32;
const float LearningRate = 0.1f;
const int Hidden = 64;

Dataset all = Dataset.Load(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv.gz"));
var random = new Random(Seed);
(Dataset train, Dataset test) = all.Split(trainFraction: 0.8, random);
Console.WriteLine($"UCI optical digits: {all.Count} images of {Dataset.Features} pixels, {Dataset.Classes} classes; {train.Count} to train, {test.Count} to test (seed {Seed}).");
Console.WriteLine();

var curves = new List<(string Name, double[] Train, double[] Test)>();
var accuracies = new List<(string Name, double Accuracy)>();
foreach (IModel model in new IModel[] { new SoftmaxRegression(random), new OneHiddenLayer(Hidden, random) })
{
    Console.WriteLine($"{model.Name} ({model.LossName}), {model.ParameterCount} parameters, SGD lr {LearningRate}, batch {BatchSize}");
    var stopwatch = Stopwatch.StartNew();
    double[] trainCurve = new double[Epochs], testCurve = new double[Epochs];
    int[] order = Enumerable.Range(0, train.Count).ToArray();
    for (int epoch = 0; epoch < Epochs; epoch++)
    {
        random.Shuffle(order);
        double lossSum = 0;
        int batches = 0;
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            int rows = Math.Min(BatchSize, order.Length - start);
            (float[] x, int[] t) = train.Batch(order.AsSpan(start, rows));
            lossSum += model.TrainStep(x, t, rows, LearningRate);
            batches++;
        }

        // The plot compares the models on one measure: plain cross entropy (the canned loss's Forward) on each set.
        trainCurve[epoch] = CrossEntropy(model, train);
        testCurve[epoch] = CrossEntropy(model, test);
        Console.WriteLine($"  epoch {epoch + 1,2}/{Epochs}  batch loss {lossSum / batches:F4}  cross entropy train {trainCurve[epoch]:F4} test {testCurve[epoch]:F4}  accuracy train {Accuracy(model, train):P1} test {Accuracy(model, test):P1}");
    }

    double accuracy = Accuracy(model, test);
    Console.WriteLine($"  {model.Name}: final test accuracy {accuracy:P2} ({Correct(model, test)}/{test.Count}), {stopwatch.Elapsed.TotalSeconds:F1} s");
    Console.WriteLine();
    curves.Add((model.Name, trainCurve, testCurve));
    accuracies.Add((model.Name, accuracy));
}

string plot = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(AppContext.BaseDirectory, "training-loss.png");
LossPlot.Save(plot, curves, accuracies);
Console.WriteLine("Final test accuracy:");
foreach ((string name, double accuracy) in accuracies)
{
    Console.WriteLine($"  {name,-28} {accuracy.ToString("P2", CultureInfo.InvariantCulture)}");
}

Console.WriteLine($"Loss curves: {plot}");

static double CrossEntropy(IModel model, Dataset data)
{
    float[] logits = new float[data.Count * Dataset.Classes];
    for (int i = 0; i < data.Count; i++)
    {
        model.Predict(data.Image(i), logits.AsSpan(i * Dataset.Classes, Dataset.Classes));
    }

    return CannedCrossEntropy.Forward(new ReadOnlyTensorSpan<float>(logits, [data.Count, Dataset.Classes]), new ReadOnlyTensorSpan<int>(data.Labels, [data.Count]));
}

static double Accuracy(IModel model, Dataset data) => (double)Correct(model, data) / data.Count;

static int Correct(IModel model, Dataset data)
{
    int correct = 0;
    float[] logits = new float[Dataset.Classes];
    for (int i = 0; i < data.Count; i++)
    {
        model.Predict(data.Image(i), logits);
        if (TensorPrimitives.IndexOfMax<float>(logits) == data.Labels[i])
        {
            correct++;
        }
    }

    return correct;
}

/// <summary>PyTorch's cross entropy, canned: the loss of the softmax regression.</summary>
[CrossEntropyLoss]
internal static partial class CannedCrossEntropy;

/// <summary>The same loss in the expression language, with label smoothing as a hyper-parameter: the loss of the network.</summary>
[Loss("lse = logsumexp(x); (1 - ls)*(lse - x[t]) + ls*mean(lse - x)")]
[LossParameter("ls", 0.05)]
internal static partial class SmoothedCrossEntropy;

internal interface IModel
{
    string Name { get; }
    string LossName { get; }
    int ParameterCount { get; }

    /// <summary>One SGD step on a batch <paramref name="x"/> [rows, 64] with labels <paramref name="t"/>; returns the batch's mean loss.</summary>
    double TrainStep(float[] x, int[] t, int rows, float learningRate);

    /// <summary>The logits of one image.</summary>
    void Predict(ReadOnlySpan<float> image, Span<float> logits);
}

/// <summary>logits = x W + b, trained with [CrossEntropyLoss].</summary>
internal sealed class SoftmaxRegression(Random random) : IModel
{
    private readonly Dense layer = new(Dataset.Features, Dataset.Classes, random);

    public string Name => "softmax regression";
    public string LossName => "[CrossEntropyLoss]";
    public int ParameterCount => layer.ParameterCount;

    public double TrainStep(float[] x, int[] t, int rows, float learningRate)
    {
        float[] logits = new float[rows * Dataset.Classes];
        layer.Forward(x, logits, rows);

        // The generated kernel: mean cross entropy over the batch, and dL/dlogits written in place of the logits.
        float loss = CannedCrossEntropy.ForwardBackward(
            new ReadOnlyTensorSpan<float>(logits, [rows, Dataset.Classes]),
            new ReadOnlyTensorSpan<int>(t, [rows]),
            new TensorSpan<float>(logits, [rows, Dataset.Classes]));

        layer.Backward(x, logits, dx: null, rows, learningRate);
        return loss;
    }

    public void Predict(ReadOnlySpan<float> image, Span<float> logits) => layer.Forward(image, logits, 1);
}

/// <summary>logits = relu(x W1 + b1) W2 + b2, trained with a label-smoothed cross entropy written in the expression language.</summary>
internal sealed class OneHiddenLayer(int hidden, Random random) : IModel
{
    private readonly Dense first = new(Dataset.Features, hidden, random);
    private readonly Dense second = new(hidden, Dataset.Classes, random);

    public string Name => $"one hidden layer ({hidden}, ReLU)";
    public string LossName => "[Loss] cross entropy with label smoothing 0.05";
    public int ParameterCount => first.ParameterCount + second.ParameterCount;

    public double TrainStep(float[] x, int[] t, int rows, float learningRate)
    {
        float[] h = new float[rows * hidden];
        float[] logits = new float[rows * Dataset.Classes];
        first.Forward(x, h, rows);
        Relu(h);
        second.Forward(h, logits, rows);

        float loss = SmoothedCrossEntropy.ForwardBackward(
            new ReadOnlyTensorSpan<float>(logits, [rows, Dataset.Classes]),
            new ReadOnlyTensorSpan<int>(t, [rows]),
            new TensorSpan<float>(logits, [rows, Dataset.Classes]),
            ls: 0.05f);

        float[] dh = new float[rows * hidden];
        second.Backward(h, logits, dh, rows, learningRate);
        for (int i = 0; i < dh.Length; i++)
        {
            dh[i] = h[i] > 0 ? dh[i] : 0; // ReLU's gradient (h is the activation, so h > 0 exactly where the input was)
        }

        first.Backward(x, dh, dx: null, rows, learningRate);
        return loss;
    }

    public void Predict(ReadOnlySpan<float> image, Span<float> logits)
    {
        Span<float> h = stackalloc float[hidden];
        first.Forward(image, h, 1);
        Relu(h);
        second.Forward(h, logits, 1);
    }

    private static void Relu(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Math.Max(values[i], 0f);
        }
    }
}

/// <summary>A fully connected layer y = x W + b over row-major spans: x [rows, inputs], W [inputs, outputs], y [rows, outputs].</summary>
internal sealed class Dense
{
    private readonly int inputs;
    private readonly int outputs;
    private readonly float[] weights;
    private readonly float[] bias;

    public Dense(int inputs, int outputs, Random random)
    {
        this.inputs = inputs;
        this.outputs = outputs;
        weights = new float[inputs * outputs];
        bias = new float[outputs];
        float limit = MathF.Sqrt(6f / (inputs + outputs)); // Glorot uniform
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(random.NextDouble() * 2 - 1) * limit;
        }
    }

    public int ParameterCount => weights.Length + bias.Length;

    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * inputs, inputs);
            Span<float> yr = y.Slice(r * outputs, outputs);
            bias.CopyTo(yr);
            for (int i = 0; i < inputs; i++)
            {
                float xi = xr[i];
                ReadOnlySpan<float> wi = weights.AsSpan(i * outputs, outputs);
                for (int o = 0; o < outputs; o++)
                {
                    yr[o] += xi * wi[o];
                }
            }
        }
    }

    /// <summary>Given dL/dy, writes dL/dx (if asked) and takes an SGD step on W and b.</summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rows, float learningRate)
    {
        if (!dx.IsEmpty)
        {
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> dyr = dy.Slice(r * outputs, outputs);
                Span<float> dxr = dx.Slice(r * inputs, inputs);
                for (int i = 0; i < inputs; i++)
                {
                    ReadOnlySpan<float> wi = weights.AsSpan(i * outputs, outputs);
                    float sum = 0;
                    for (int o = 0; o < outputs; o++)
                    {
                        sum += wi[o] * dyr[o];
                    }

                    dxr[i] = sum;
                }
            }
        }

        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * inputs, inputs);
            ReadOnlySpan<float> dyr = dy.Slice(r * outputs, outputs);
            for (int i = 0; i < inputs; i++)
            {
                float step = learningRate * xr[i];
                Span<float> wi = weights.AsSpan(i * outputs, outputs);
                for (int o = 0; o < outputs; o++)
                {
                    wi[o] -= step * dyr[o];
                }
            }

            for (int o = 0; o < outputs; o++)
            {
                bias[o] -= learningRate * dyr[o];
            }
        }
    }
}

/// <summary>Images scaled to [0, 1] and their labels.</summary>
internal sealed class Dataset(float[] pixels, int[] labels)
{
    public const int Features = 64;
    public const int Classes = 10;

    public int Count => labels.Length;
    public int[] Labels => labels;

    public ReadOnlySpan<float> Image(int i) => pixels.AsSpan(i * Features, Features);

    /// <summary>Reads the CSV (64 pixels in 0..16, then the label, per line).</summary>
    public static Dataset Load(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var pixels = new List<float>();
        var labels = new List<int>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = line.Split(',');
            if (fields.Length != Features + 1)
            {
                throw new InvalidDataException($"{path}: expected {Features + 1} fields, found {fields.Length}");
            }

            for (int i = 0; i < Features; i++)
            {
                pixels.Add(int.Parse(fields[i], CultureInfo.InvariantCulture) / 16f);
            }

            labels.Add(int.Parse(fields[Features], CultureInfo.InvariantCulture));
        }

        return new Dataset(pixels.ToArray(), labels.ToArray());
    }

    /// <summary>A random split, the same for the same seed.</summary>
    public (Dataset Train, Dataset Test) Split(double trainFraction, Random random)
    {
        int[] order = Enumerable.Range(0, Count).ToArray();
        random.Shuffle(order);
        int trainCount = (int)Math.Round(Count * trainFraction);
        return (Subset(order[..trainCount]), Subset(order[trainCount..]));
    }

    /// <summary>The images and labels of <paramref name="indices"/>, as a batch [rows, 64].</summary>
    public (float[] X, int[] T) Batch(ReadOnlySpan<int> indices)
    {
        float[] x = new float[indices.Length * Features];
        int[] t = new int[indices.Length];
        for (int r = 0; r < indices.Length; r++)
        {
            Image(indices[r]).CopyTo(x.AsSpan(r * Features, Features));
            t[r] = labels[indices[r]];
        }

        return (x, t);
    }

    private Dataset Subset(int[] indices)
    {
        (float[] x, int[] t) = Batch(indices);
        return new Dataset(x, t);
    }
}

internal static class LossPlot
{
    public static void Save(string path, List<(string Name, double[] Train, double[] Test)> curves, List<(string Name, double Accuracy)> accuracies)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int m = 0; m < curves.Count; m++)
        {
            (string name, double[] train, double[] test) = curves[m];
            double[] epochs = Enumerable.Range(1, train.Length).Select(e => (double)e).ToArray();
            double accuracy = accuracies.First(a => a.Name == name).Accuracy;

            var trainLine = plot.Add.Scatter(epochs, train, palette.GetColor(m));
            trainLine.LegendText = $"{name}, train (test accuracy {accuracy.ToString("P1", CultureInfo.InvariantCulture)})";
            trainLine.LineWidth = 2;
            trainLine.MarkerSize = 4;

            var testLine = plot.Add.Scatter(epochs, test, palette.GetColor(m));
            testLine.LegendText = $"{name}, test";
            testLine.LineWidth = 2;
            testLine.MarkerSize = 0;
            testLine.LinePattern = ScottPlot.LinePattern.Dashed;
        }

        plot.Title("LossGen: training on the UCI optical digits");
        plot.XLabel("epoch");
        plot.YLabel("cross entropy");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        plot.SavePng(path, 800, 500);
    }
}
