// A small causal language model trained with LossGen's fused linear + cross entropy (LossGen.TorchSharp's LinearLoss).
//
//   dotnet run -c Release --project samples/CharLanguageModel [-- steps]
//
// Data: the text of this repository's own documentation (docs/*.md), read character by character. Model: an embedding
// and a GRU; the output layer is a linear head [V, H] whose logits are never held in full: LinearLoss computes the loss
// and the gradients of the hidden states and of the head chunk by chunk, with the causal shift (token i predicts token
// i + 1) done by views. The loss is cross entropy with a z-loss term, written in the language; the z-loss is reported
// beside it. Every 25 steps the sample prints the loss; at the start it measures the peak memory one loss step adds,
// fused against TorchSharp's unfused F.cross_entropy(F.linear(...)), and checks that the two give the same loss.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LossGen;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
const int batch = 32, context = 128, embedding = 64, hiddenSize = 256;
manual_seed(7);

string root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "LossGen.sln")))
    root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new DirectoryNotFoundException("the repository root (LossGen.sln)");
string text = string.Join("\n", Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal).Select(File.ReadAllText));
char[] alphabet = text.Distinct().Order().ToArray();
long vocabulary = alphabet.Length;
var ids = tensor(text.Select(c => (long)Array.BinarySearch(alphabet, c)).ToArray());
long split = ids.shape[0] * 9 / 10;
var train = ids.narrow(0, 0, split);
var held = ids.narrow(0, split, ids.shape[0] - split);
Console.WriteLine($"text: {text.Length:N0} characters of docs/*.md, {vocabulary} distinct; model: embedding {embedding}, GRU {hiddenSize}, head [{vocabulary}, {hiddenSize}]");

var embed = nn.Embedding(vocabulary, embedding);
var gru = nn.GRU(embedding, hiddenSize, batchFirst: true);
var head = nn.Linear(hiddenSize, vocabulary);
var parameters = embed.parameters().Concat(gru.parameters()).Concat(head.parameters()).ToList();
var optimizer = optim.Adam(parameters, lr: 3e-3);

// Cross entropy + z-loss, summed (LinearLoss takes the mean over the counted tokens); the z-loss term alone is a part.
var lm = LinearLoss
    .ClassIndices<float>((x, t, dx, g) => LmLoss.ForwardBackward(x, t, dx, g), shift: true)
    .WithPart<float>("z_loss", (x, t) => LmZLoss.Forward(x, t));

// A batch: `batch` windows of context + 1 characters; the hidden state of each predicts the next character.
Tensor Windows(Tensor source, Generator? generator = null)
{
    var starts = randint(0, source.shape[0] - context - 1, [batch], generator: generator);
    return stack(Enumerable.Range(0, batch).Select(i => source.narrow(0, starts[i].item<long>(), context + 1)).ToArray());
}

Tensor Hidden(Tensor windows) => gru.forward(embed.forward(windows)).Item1;   // [batch, context + 1, hidden]

// Peak memory of one loss step (forward + backward of the head and the loss, from fixed hidden states), fused and not.
{
    using var scope = NewDisposeScope();
    var windows = Windows(train);
    var states = Hidden(windows).detach();
    double Fused()
    {
        var h = states.clone().requires_grad_(true);
        var loss = lm.Apply(h, head.weight!, head.bias, windows);
        loss.backward();
        return loss.item<float>();
    }

    double Unfused()
    {
        var h = states.clone().requires_grad_(true);
        var logits = F.linear(h.narrow(1, 0, context), head.weight!, head.bias).reshape(-1, vocabulary);
        var each = F.cross_entropy(logits, windows.narrow(1, 1, context).reshape(-1), reduction: nn.Reduction.None);
        var lse = logits.logsumexp(1);
        var loss = (each + 1e-4 * lse * lse).mean();
        loss.backward();
        return loss.item<float>();
    }

    (double fusedLoss, long fusedPeak) = Peak(Fused);
    (double unfusedLoss, long unfusedPeak) = Peak(Unfused);
    Console.WriteLine($"one loss step ({batch} x {context} tokens): fused {Mb(fusedPeak)} peak, unfused {Mb(unfusedPeak)}; loss {fusedLoss:0.000000} fused, {unfusedLoss:0.000000} unfused");
    foreach (var p in parameters) p.grad = null;
}

Console.WriteLine();
Console.WriteLine(" step   loss   z-loss   held-out loss    s");
var clock = Stopwatch.StartNew();
var evaluation = new Generator(11);
for (int step = 1; step <= steps; step++)
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    var windows = Windows(train);
    LinearLossOutput output = lm.ApplyWithParts(Hidden(windows), head.weight!, head.bias, windows);
    output.Loss.backward();
    optimizer.step();
    if (step % 25 == 0 || step == 1)
    {
        double heldOut;
        using (no_grad())
        {
            var heldWindows = Windows(held, evaluation);
            heldOut = lm.Apply(Hidden(heldWindows), head.weight!, head.bias, heldWindows).item<float>();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{step,5} {output.Loss.item<float>(),6:0.000} {output.Parts["z_loss"],8:0.0000} {heldOut,15:0.000} {clock.Elapsed.TotalSeconds,6:0}"));
    }
}

// Sample a line from the model, greedy, after a prompt.
using (no_grad())
{
    string prompt = "The loss ";
    var generated = new System.Text.StringBuilder(prompt);
    var window = tensor(prompt.Select(c => (long)Math.Max(0, Array.BinarySearch(alphabet, c))).ToArray()).unsqueeze(0);
    for (int i = 0; i < 80; i++)
    {
        var logits = head.forward(Hidden(window).select(1, -1));
        long next = logits.argmax(1).item<long>();
        generated.Append(alphabet[next]);
        window = cat([window, tensor(new[] { next }).unsqueeze(0)], 1);
    }

    Console.WriteLine();
    Console.WriteLine("greedy sample: " + generated.ToString().Replace("\n", "\\n"));
}

static (double Loss, long Peak) Peak(Func<double> step)
{
    step();   // warm: libtorch's and the kernels' first-call work is not the step's memory
    GC.Collect();
    MallocTrim(0);
    long before = Status("VmRSS");
    File.WriteAllText("/proc/self/clear_refs", "5");
    double loss = step();
    return (loss, Math.Max(0, Status("VmHWM") - before));
}

static long Status(string field)
{
    if (!File.Exists("/proc/self/status"))
        return 0;   // not Linux: no measure
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith(field + ":", StringComparison.Ordinal))
            return long.Parse(line.Substring(field.Length + 1).Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    return 0;
}

static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

[System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
static extern int MallocTrim(nuint pad);

/// <summary>Cross entropy with a z-loss term (PaLM's 1e-4 * logsumexp^2), summed: LinearLoss takes the mean.</summary>
[Loss("lse = logsumexp(x); lse - x[t] + 1e-4 * lse^2", Reduction = Reduction.Sum, IgnoreIndex = -100)]
public static partial class LmLoss;

/// <summary>The z-loss term alone, reported beside the loss.</summary>
[Loss("lse = logsumexp(x); where(t != -100, 1e-4 * lse^2, 0)", Reduction = Reduction.Sum, IgnoreIndex = -100)]
public static partial class LmZLoss;
