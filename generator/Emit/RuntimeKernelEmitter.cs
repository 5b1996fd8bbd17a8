using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LossGen.Generator.Model;

namespace LossGen.Generator.Emit;

/// <summary>
/// The public methods of a canned loss with a runtime kernel of its own (<see cref="LossSpec.Kernel"/>), for what the
/// language does not say: CTC (a dynamic program over time) and the multi-label margin loss (every pair of classes).
/// They validate nothing themselves: the kernel (<c>LossGen.Internal.Ctc</c>, <c>.MultiLabelMargin</c>) checks every
/// argument before it writes.
/// </summary>
internal static class RuntimeKernelEmitter
{
    public static string Emit(LossSpec spec, string generatedCode)
    {
        var w = new IndentedWriter();
        LossEmitter.OpenFile(w, spec.Type, "System.Numerics", "System.Numerics.Tensors");
        bool first = true;
        foreach (string t in new[] { "float", "double" })
        {
            foreach (string method in new[] { "Forward", "Backward", "ForwardBackward" })
            {
                if (!first)
                {
                    w.Line();
                }

                EmitMethod(w, spec, t, method, generatedCode);
                first = false;
            }
        }

        LossEmitter.CloseFile(w, spec.Type);
        return w.ToString();
    }

    /// <summary>What the public methods of one runtime kernel look like.</summary>
    private sealed record KernelApi(
        string Kernel,
        string[] TypeParameters,
        (string Type, string Name, string Doc)[] Inputs,
        string What,
        string GradientDoc,
        string[] Options,
        string LossShape);

    private static KernelApi Api(LossSpec spec)
    {
        double Option(string name) => spec.KernelOptions.AsSpan().ToArray().First(o => o.Name == name).DefaultValue;
        return spec.Kernel switch
        {
            "Ctc" => new KernelApi("Ctc", new[] { "TTarget", "TLength" },
                new[]
                {
                    ("[global::LossGen.LossInput(global::LossGen.InputKind.LogProbabilities)] ReadOnlyTensorSpan<T>", "logProbs", "Log-probabilities (log_softmax over the classes): [T, N, C], or [T, C] for one sequence."),
                    ("ReadOnlyTensorSpan<TTarget>", "targets", "Labels in [0, C): [N, S] padded, or the target sequences concatenated ([S] for one sequence); int or long."),
                    ("ReadOnlyTensorSpan<TLength>", "inputLengths", "The length of each input, in [0, T]: [N] ([] or [1] for one sequence); int or long."),
                    ("ReadOnlyTensorSpan<TLength>", "targetLengths", "The length of each target: [N] ([] or [1] for one sequence)."),
                },
                "the CTC loss: the negative log-likelihood of the targets over every alignment, in log space",
                "<c>g * (exp(logProbs) - exp(log(sum over the target's states of alpha * beta) + nll - logProbs))</c> up to each input length, 0 after it, as PyTorch",
                new[] { ((int)Option("Blank")).ToString(CultureInfo.InvariantCulture), Option("ZeroInfinity") != 0 ? "true" : "false" },
                "[N]"),
            _ => new KernelApi("MultiLabelMargin", new[] { "TIndex" },
                new[]
                {
                    ("ReadOnlyTensorSpan<T>", "x", "Scores: [N, C], or [C] for one sample."),
                    ("ReadOnlyTensorSpan<TIndex>", "y", "Target classes, x's shape: each row's classes, then -1 (the rest of the row is not read); int or long."),
                },
                "the multi-label margin loss: sum over target classes j and other classes i of max(0, 1 - (x[j] - x[i])) / C",
                "<c>g / C</c> to x[i] and <c>-g / C</c> to x[j] for each pair whose margin term is above 0, as PyTorch",
                new string[0],
                "[N]"),
        };
    }

    private static void EmitMethod(IndentedWriter w, LossSpec spec, string t, string method, string generatedCode)
    {
        KernelApi api = Api(spec);
        bool reduced = spec.Reduction != Reduction.None;
        bool loss = method != "Backward";
        bool gradient = method != "Forward";
        string prediction = api.Inputs[0].Name;
        string dprediction = "d" + prediction;
        var parameters = api.Inputs.Select(i => i.Type.Replace("<T>", "<" + t + ">") + " " + i.Name).ToList();
        if (loss && !reduced)
        {
            parameters.Add($"TensorSpan<{t}> loss");
        }

        if (gradient && !reduced)
        {
            parameters.Add($"ReadOnlyTensorSpan<{t}> dloss");
        }

        if (gradient)
        {
            parameters.Add($"TensorSpan<{t}> {dprediction}");
        }

        if (gradient && reduced)
        {
            parameters.Add($"{t} dloss = {(t == "float" ? "1f" : "1.0")}");
        }

        var arguments = api.Inputs.Select(i => i.Name).ToList();
        arguments.Add(loss && !reduced ? "loss" : "default");
        arguments.Add(gradient && !reduced ? "dloss" : "default");
        arguments.Add(gradient && reduced ? "dloss" : t == "float" ? "1f" : "1.0");
        arguments.Add(gradient ? dprediction : "default");
        arguments.AddRange(api.Options);
        arguments.Add(((int)spec.Reduction).ToString(CultureInfo.InvariantCulture));
        arguments.Add(loss ? "true" : "false");
        arguments.Add(gradient ? "true" : "false");
        arguments.Add("[" + string.Join(", ", api.Inputs.Select(i => i.Name).Concat(new[] { "loss", "dloss", dprediction }).Select(n => "\"" + n + "\"")) + "]");

        string reduction = spec.Reduction switch
        {
            Reduction.None => "not reduced",
            Reduction.Sum => "summed",
            _ when spec.Kernel == "Ctc" => "each divided by its target length, then averaged",
            _ => "averaged",
        };
        string what = method switch
        {
            "Forward" => "Computes " + api.What,
            "Backward" => $"Computes the gradient with respect to {prediction} of {api.What}",
            _ => $"Computes, with its gradient with respect to {prediction}, {api.What}",
        };
        w.Line("/// <summary>");
        w.Line($"/// {what}; {reduction} ({spec.Description}).");
        w.Line("/// </summary>");
        w.Line($"/// <remarks>Gradient: <c>dL/d{prediction}</c> = {api.GradientDoc}; <c>g</c> is the upstream gradient of each loss value.</remarks>");
        foreach ((string _, string name, string doc) in api.Inputs)
        {
            w.Line($"/// <param name=\"{name}\">{doc}</param>");
        }

        if (loss && !reduced)
        {
            w.Line($"/// <param name=\"loss\">Receives the loss of each {(spec.Kernel == "Ctc" ? "sequence" : "sample")}: {api.LossShape}.</param>");
        }

        if (gradient)
        {
            w.Line(reduced
                ? "/// <param name=\"dloss\">The upstream gradient of the loss (1 for the loss itself).</param>"
                : $"/// <param name=\"dloss\">The upstream gradient of each loss: {api.LossShape}.</param>");
            w.Line($"/// <param name=\"{dprediction}\">Receives dL/d{prediction} ({prediction}'s shape). May be {prediction} itself (in-place gradient).</param>");
        }

        if (loss && reduced)
        {
            w.Line("/// <returns>The reduced loss.</returns>");
        }

        w.Line("/// <exception cref=\"global::System.ArgumentException\">A shape does not fit, lengths do not add up, or an output overlaps an input.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A length or a label is out of range.</exception>");
        w.Line(generatedCode);
        string returnType = loss && reduced ? t : "void";
        w.Line($"public static {returnType} {method}<{string.Join(", ", api.TypeParameters)}>({string.Join(", ", parameters)})");
        foreach (string typeParameter in api.TypeParameters)
        {
            w.Line($"    where {typeParameter} : unmanaged, IBinaryInteger<{typeParameter}>");
        }

        string call = $"global::LossGen.Internal.{api.Kernel}.Run<{string.Join(", ", new[] { t }.Concat(api.TypeParameters))}>({string.Join(", ", arguments)})";
        w.Line(returnType == "void" ? $"    => {call};" : $"    => ({t}){call};");
    }
}
