using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace LossGen.Conformance.Tests;

/// <summary>A tensor of the reference data: row-major <see cref="Data"/> with <see cref="Shape"/> (empty for a scalar).</summary>
public sealed record RefTensor(int[] Shape, string DType, double[] Data);

/// <summary>One line of <c>Data/pytorch-losses.jsonl</c>: a PyTorch call, its inputs, its upstream gradient and its results.</summary>
public sealed record RefCase(
    string Id,
    string Fn,
    string Note,
    IReadOnlyDictionary<string, JsonElement> Kwargs,
    IReadOnlyDictionary<string, RefTensor> Inputs,
    RefTensor GradOutput,
    IReadOnlyDictionary<string, RefTensor> Outputs)
{
    /// <summary>PyTorch's <c>reduction</c> keyword (<c>mean</c> when absent, PyTorch's default).</summary>
    public string Reduction => Kwargs.TryGetValue("reduction", out var r) ? r.GetString()! : "mean";

    public bool Flag(string name, bool fallback = false) =>
        Kwargs.TryGetValue(name, out var v) ? v.GetBoolean() : fallback;

    public double Number(string name, double fallback) =>
        Kwargs.TryGetValue(name, out var v) ? v.GetDouble() : fallback;

    public bool Has(string input) => Inputs.ContainsKey(input);

    public override string ToString() => Id;
}

/// <summary>Loads the PyTorch reference cases once (System.Text.Json; non-finite numbers are the strings "nan", "inf", "-inf").</summary>
public static class ReferenceData
{
    private static readonly Lazy<IReadOnlyList<RefCase>> s_cases = new(Load);
    private static readonly Lazy<IReadOnlyDictionary<string, RefCase>> s_byId = new(() => All.ToDictionary(c => c.Id));

    public static IReadOnlyList<RefCase> All => s_cases.Value;

    public static RefCase Get(string id) => s_byId.Value[id];

    private static IReadOnlyList<RefCase> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", "pytorch-losses.jsonl");
        return File.ReadLines(path).Where(l => l.Length > 0).Select(ParseCase).ToArray();
    }

    private static RefCase ParseCase(string line)
    {
        using var doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        return new RefCase(
            root.GetProperty("id").GetString()!,
            root.GetProperty("fn").GetString()!,
            root.TryGetProperty("note", out var note) ? note.GetString() ?? "" : "",
            root.GetProperty("kwargs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            Tensors(root.GetProperty("inputs")),
            Tensor(root.GetProperty("grad_output")),
            Tensors(root.GetProperty("outputs")));
    }

    private static Dictionary<string, RefTensor> Tensors(JsonElement obj) =>
        obj.EnumerateObject().ToDictionary(p => p.Name, p => Tensor(p.Value));

    private static RefTensor Tensor(JsonElement e)
    {
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        JsonElement data = e.GetProperty("data");
        double[] values = data.ValueKind == JsonValueKind.Array
            ? data.EnumerateArray().Select(Number).ToArray()
            : [Number(data)];
        int count = shape.Aggregate(1, (a, b) => a * b);
        if (values.Length != count)
            throw new InvalidDataException($"tensor of shape [{string.Join(", ", shape)}] holds {values.Length} values");
        return new RefTensor(shape, e.GetProperty("dtype").GetString()!, values);
    }

    private static double Number(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString() switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            var s => throw new InvalidDataException($"unexpected number string '{s}'"),
        },
        _ => throw new InvalidDataException($"unexpected JSON value {e.ValueKind}"),
    };
}
