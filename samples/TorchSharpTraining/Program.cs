// A TorchSharp model trained with a loss written in LossGen's expression language, through LossGen.TorchSharp.
//
//   dotnet run --project samples/TorchSharpTraining
//
// Data: three interleaved spirals in the plane (synthetic, made here). Model: a two-hidden-layer MLP.
// Loss: a focal cross entropy with a confidence penalty, which PyTorch does not have as one call; LossGen
// compiles its forward and gradient kernels at build time, and the bridge makes it a TorchSharp autograd op.
// The penalty subtracts beta * entropy, so the loss can go slightly below 0 once the model is confident.
using System;
using System.Diagnostics;
using LossGen;
using TorchSharp;
using static TorchSharp.torch;

const int classes = 3, perClass = 300, epochs = 20, batch = 64;
manual_seed(7);
var (inputs, labels) = Spirals(perClass, classes, seed: 7);
var (testInputs, testLabels) = Spirals(100, classes, seed: 8);

var model = nn.Sequential(
    ("hidden1", nn.Linear(2, 64)), ("act1", nn.Tanh()),
    ("hidden2", nn.Linear(64, 64)), ("act2", nn.Tanh()),
    ("logits", nn.Linear(64, classes)));
var optimizer = optim.Adam(model.parameters(), lr: 0.01);

// The loss: one line turns the generated kernels into a differentiable TorchSharp operation. Its hyper-parameters
// (gamma, beta) are optional parameters of the generated methods, so it is passed as a lambda.
TorchLossFunction loss = TorchLoss.ClassIndices<float>(
    (x, t, dx, dloss) => FocalWithConfidencePenalty.ForwardBackward(x, t, dx, dloss, gamma: 1.5f, beta: 0.05f),
    (x, t) => FocalWithConfidencePenalty.Forward(x, t, gamma: 1.5f, beta: 0.05f),
    name: nameof(FocalWithConfidencePenalty));

Console.WriteLine($"Training a {classes}-class MLP on {inputs.shape[0]} points with {loss}");
Console.WriteLine();
Console.WriteLine(" epoch    loss   train acc   test acc");
var clock = Stopwatch.StartNew();
long n = inputs.shape[0];
for (int epoch = 1; epoch <= epochs; epoch++)
{
    using var scope = NewDisposeScope();
    model.train();
    var order = randperm(n);
    double total = 0;
    for (long start = 0; start < n; start += batch)
    {
        var index = order[TensorIndex.Slice(start, Math.Min(start + batch, n))];
        optimizer.zero_grad();
        var value = loss.Apply(model.call(inputs[index]), labels[index]);
        value.backward();
        optimizer.step();
        total += value.ToSingle() * index.shape[0];
    }
    Console.WriteLine($"{epoch,6}  {total / n,6:F4}   {Accuracy(inputs, labels),7:P1}   {Accuracy(testInputs, testLabels),7:P1}");
}
Console.WriteLine();
using (no_grad())
{
    // Without gradients the same object just evaluates the loss (no autograd node).
    using var testLoss = loss.Apply(model.call(testInputs), testLabels);
    Console.WriteLine($"test loss {testLoss.ToSingle():G4}, test accuracy {Accuracy(testInputs, testLabels):P1}, {clock.Elapsed.TotalSeconds:F1} s");
}

double Accuracy(Tensor x, Tensor t)
{
    using var _ = no_grad();
    model.eval();
    using var predicted = model.call(x).argmax(1);
    using var correct = predicted.eq(t).sum();
    return correct.ToInt64() / (double)t.shape[0];
}

static (Tensor Inputs, Tensor Labels) Spirals(int perClass, int classes, int seed)
{
    var random = new Random(seed);
    var points = new float[perClass * classes * 2];
    var labels = new long[perClass * classes];
    for (int c = 0; c < classes; c++)
    for (int i = 0; i < perClass; i++)
    {
        int k = c * perClass + i;
        double r = (i + 1.0) / perClass;
        double angle = c * 2 * Math.PI / classes + 4.0 * r + 0.25 * NextGaussian(random);
        points[2 * k] = (float)(r * Math.Sin(angle));
        points[2 * k + 1] = (float)(r * Math.Cos(angle));
        labels[k] = c;
    }
    return (tensor(points, [perClass * classes, 2]), tensor(labels));
}

static double NextGaussian(Random random) =>
    Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

/// <summary>
/// Focal cross entropy with a confidence penalty: <c>(1 - p_t)^gamma * CE - beta * H(p)</c>, where
/// <c>H(p) = -sum(p * log p)</c> is the entropy of the predicted distribution (rewarding less over-confident
/// predictions). Mean over the batch.
/// </summary>
[Loss("lp = log_softmax(x); ce = -lp[t]; (1 - exp(-ce))^gamma * ce + beta * sum(softmax(x) * lp)")]
[LossParameter("gamma", 2.0)]
[LossParameter("beta", 0.1)]
public static partial class FocalWithConfidencePenalty;
