using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Linq;
using LossGen.Generator.Autodiff;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;
using LossGen.Generator.Planning;
using LossGen.Generator.Semantics;

namespace LossGen.Generator.Emit;

/// <summary>
/// Emits one kernel (a method generic in the element type) from a <see cref="KernelPlan"/>: argument validation before
/// any write, then one loop over positions holding row state in locals, with the plan's passes over the class axis and
/// a final pass that writes the gradients. Every node becomes one named local at the outermost place it can live:
/// constants and hyper-parameter expressions before the loop, row values before the class loops, class values inside.
/// </summary>
internal sealed partial class KernelEmitter
{
    private readonly CompiledLoss _loss;
    private readonly KernelOutputs _outputs;
    private readonly KernelPlan _plan;
    private readonly KernelDecisions _decisions;

    /// <summary>The count of each stem's fresh names so far (every local of the kernel has a name of its own).</summary>
    private readonly Dictionary<string, int> _stems = new();

    /// <summary>The kernel method's own constants (those of Mean's denominator pass).</summary>
    private readonly Piece _kernelPiece;

    private KernelEmitter(CompiledLoss loss, KernelOutputs outputs, int indent)
    {
        _loss = loss;
        _outputs = outputs;
        _plan = KernelPlan.Create(loss.Graph, outputs, loss.Loss, loss.Dx, loss.Others, loss.MeanWeight);
        _decisions = KernelDecisions.For(loss, outputs, _plan);
        _kernelPiece = new Piece(new IndentedWriter(indent));
    }

    /// <summary>Reads of memory at the target (x[t], w[t]) are made at the start of the row, before any pass writes dx.</summary>
    private void DefinePicks(Row row)
    {
        foreach (Node node in Walk.TopologicalOrder(_plan.Roots))
        {
            if (node.Op == Op.Pick)
            {
                Value(node, row.Top);
            }
        }
    }

    private enum Place
    {
        /// <summary>A row's own values and constants: no class.</summary>
        Row,
        Class,
        Pick,
        Flat,
        /// <summary>A vector of consecutive classes c .. c + Count - 1 (contiguous class axis).</summary>
        Vector,
        /// <summary>
        /// Flat vector k of an unrolled lane row: elements k * Count .. k * Count + Count - 1 of the block's rows, laid out as
        /// in memory; row values are spread over it with VectorOps.Expand.
        /// </summary>
        Block,
    }

    /// <summary>The width type parameter, whose static members are the vector operations.</summary>
    private const string V = VectorWidth.Parameter;

    /// <summary>The vector type at the kernel's width (a type parameter).</summary>
    private const string VectorType = VectorWidth.VectorParameter;

    /// <summary>A function row's vector form.</summary>
    private static string Form(string template) => VectorWidth.Form(template);

    /// <summary>The element count of a vector at the kernel's width.</summary>
    private const string VectorCount = V + ".Count";

    private bool ReducedLoss => _loss.Reduction != Reduction.None;

    /// <summary>The largest compile-time class count whose rows in lanes are unrolled (every class value kept in a register).</summary>
    private const int MaxUnrolledClasses = 16;

    /// <summary>The class-axis stride of dense rows in lanes: the compile-time count when there is one.</summary>
    private string RowLength => _loss.Spec.Classes > 0 ? "(nint)" + _loss.Spec.Classes.ToString(CultureInfo.InvariantCulture) : "classes";

    private bool Unrolled => !Flat && _loss.Spec.Classes > 0 && _loss.Spec.Classes <= MaxUnrolledClasses;

    private bool Elementwise => _loss.Elementwise;

    private bool Flat => _loss.Flat;

    private bool HasIgnore => _loss.Spec.HasIgnoreIndex && _loss.UsesTarget;

    /// <summary>x and the inputs shaped like it.</summary>
    private IEnumerable<string> LikeXInputs() =>
        new[] { "x" }.Concat(_loss.Inputs.Where(i => i.Layout == InputLayout.LikeX).Select(i => i.Name));

    /// <summary>Tensors with x's shape, walked with the class axis.</summary>
    private IEnumerable<string> LikeX()
    {
        foreach (string input in LikeXInputs())
        {
            yield return input;
        }

        if (!ReducedLoss && Elementwise)
        {
            if (_outputs.Loss)
            {
                yield return "loss";
            }

            if (_outputs.Dx)
            {
                yield return "dloss";
            }
        }

        if (_outputs.Dx)
        {
            yield return "dx";
        }

        foreach (PlannedGradient other in _plan.Others.Where(o => !o.PerRow))
        {
            yield return other.Tensor;
        }
    }

    /// <summary>Tensors with one value per position, walked without the class axis.</summary>
    private IEnumerable<string> PerPosition()
    {
        if (_loss.UsesTarget)
        {
            yield return "t";
        }

        foreach (InputSpec input in _loss.Inputs.Where(i => i.Layout == InputLayout.PerRow))
        {
            yield return input.Name;
        }

        if (!ReducedLoss && !Elementwise)
        {
            if (_outputs.Loss)
            {
                yield return "loss";
            }

            if (_outputs.Dx)
            {
                yield return "dloss";
            }
        }

        foreach (PlannedGradient other in _plan.Others.Where(o => o.PerRow))
        {
            yield return other.Tensor;
        }
    }

    public static void Emit(IndentedWriter w, CompiledLoss loss, KernelOutputs outputs, string generatedCode)
    {
        var emitter = new KernelEmitter(loss, outputs, w.Indent + 1);
        emitter.EmitKernel(w, generatedCode);
    }

    public static string KernelName(CompiledLoss loss, KernelOutputs outputs) => NameOf(loss, outputs) + "Kernel";

    /// <summary>Forward, Gradient (dx), or GradientWith followed by the other gradients (GradientWithDy).</summary>
    private static string NameOf(CompiledLoss loss, KernelOutputs outputs) => loss.KernelPrefix + (
        !outputs.Dx ? "Forward"
        : outputs.Others ? "GradientWith" + string.Concat(loss.Others.Select(o => char.ToUpperInvariant(o.Tensor[0]) + o.Tensor.Substring(1).TrimEnd('_')))
        : "Gradient");

    /// <summary>Whether the kernel returns the reduced loss (a gradient kernel returns 0 when its caller did not ask for it).</summary>
    private static bool ReturnsTotal(CompiledLoss loss, KernelOutputs outputs) => loss.Reduction != Reduction.None && outputs.Loss;

    /// <summary>A hyper-parameter inside a kernel: a trailing underscore keeps it apart from every generated local.</summary>
    public static string KernelParameter(string name) => name + "_";

    /// <summary>The kernel's parameters: inputs, then outputs, then hyper-parameters.</summary>
    public static IEnumerable<(string Type, string Name)> Parameters(CompiledLoss loss, KernelOutputs outputs)
    {
        yield return ("ReadOnlyTensorSpan<T>", "x");
        foreach (InputSpec input in loss.Inputs.Where(i => i.Name == "y"))
        {
            yield return ("ReadOnlyTensorSpan<T>", input.Name);
        }

        if (loss.UsesTarget)
        {
            yield return ("ReadOnlyTensorSpan<TIndex>", "t");
        }

        foreach (InputSpec input in loss.Inputs.Where(i => i.Name != "y"))
        {
            yield return ("ReadOnlyTensorSpan<T>", input.Name);
        }

        bool reduced = loss.Reduction != Reduction.None;
        if (outputs.Loss && !reduced)
        {
            yield return ("TensorSpan<T>", "loss");
        }

        if (outputs.Dx)
        {
            yield return (reduced ? "T" : "ReadOnlyTensorSpan<T>", "dloss");
            yield return ("TensorSpan<T>", "dx");
        }

        if (outputs.Others)
        {
            foreach (GradientOutput other in loss.Others)
            {
                yield return ("TensorSpan<T>", other.Tensor);
            }
        }

        foreach (string parameter in loss.ParametersUsed)
        {
            yield return ("T", KernelParameter(parameter));
        }
    }

    /// <summary>The nested struct that runs a chunk of positions of this kernel on any thread.</summary>
    private string ChunksName => NameOf(_loss, _outputs) + "Chunks";

    private string TypeParameters => "<" + string.Join(", ", TypeParameterList(_loss, _outputs)) + ">";

    /// <summary>The kernel's type parameters: the element type, the index type (class indices), the outputs chosen.</summary>
    private static IEnumerable<string> TypeParameterList(CompiledLoss loss, KernelOutputs outputs)
    {
        yield return "T";
        if (loss.UsesTarget)
        {
            yield return "TIndex";
        }

        if (outputs.Chosen)
        {
            yield return OutputsParameter;
        }
    }

    /// <summary>The type parameter of a gradient kernel that says whether its caller wants the loss too.</summary>
    public const string OutputsParameter = "TOutputs";

    /// <summary>
    /// The condition under which code serving only <paramref name="needs"/> runs: null when it always runs (it serves a
    /// gradient, or the kernel's outputs are fixed), else the flag of the loss chosen by the caller.
    /// </summary>
    private string? Guard(OutputSet needs) =>
        _outputs.Chosen && (needs & (OutputSet.Dx | OutputSet.Others)) == 0 && (needs & OutputSet.Loss) != 0 ? OutputsParameter + ".Loss" : null;

    /// <summary>The guard of an output tensor's code: the loss's in a gradient kernel; null for the gradients.</summary>
    private string? TensorGuard(string tensor) => tensor == "loss" ? Guard(OutputSet.Loss) : null;

    /// <summary><paramref name="statement"/>, run only under <paramref name="guard"/> when there is one.</summary>
    private static string Guarded(string? guard, string statement) => guard is null ? statement : $"if ({guard}) {statement}";

    /// <summary>The tensors the position loop reads or writes, in the order they are pinned.</summary>
    private List<(string Name, string Type)> Pinned()
    {
        var pinned = new List<(string, string)> { ("x", "T") };
        pinned.AddRange(_loss.Inputs.Where(i => i.Name == "y").Select(i => (i.Name, "T")));
        if (_loss.UsesTarget)
        {
            pinned.Add(("t", "TIndex"));
        }

        pinned.AddRange(_loss.Inputs.Where(i => i.Name != "y").Select(i => (i.Name, "T")));
        if (_outputs.Loss && !ReducedLoss)
        {
            pinned.Add(("loss", "T"));
        }

        if (_outputs.Dx && !ReducedLoss)
        {
            pinned.Add(("dloss", "T"));
        }

        if (_outputs.Dx)
        {
            pinned.Add(("dx", "T"));
        }

        pinned.AddRange(_plan.Others.Select(o => (o.Tensor, "T")));

        return pinned;
    }

    /// <summary>The values the position loop takes from the kernel: walkers, strides, the class count, the seed, hyper-parameters.</summary>
    private List<(string Type, string Name)> ChunkFields()
    {
        var fields = new List<(string, string)>();
        foreach (string name in LikeX())
        {
            fields.Add(("global::LossGen.Internal.Walker", name + "Walk"));
            if (!Flat)
            {
                fields.Add(("nint", name + "Stride"));
            }
        }

        foreach (string name in PerPosition())
        {
            fields.Add(("global::LossGen.Internal.Walker", name + "Walk"));
        }

        foreach (InputSpec input in _loss.Inputs.Where(i => i.Layout == InputLayout.PerClass))
        {
            fields.Add(("nint", input.Name + "Stride"));
        }

        if (!Flat)
        {
            fields.Add(("nint", "classes"));
        }

        if (_outputs.Dx && ReducedLoss)
        {
            fields.Add(("T", "seed"));
        }

        foreach (string parameter in _loss.ParametersUsed)
        {
            fields.Add(("T", KernelParameter(parameter)));
        }

        return fields;
    }

    /// <summary>Writes a generic declaration's header and its constraints on T (and TIndex), and opens its body.</summary>
    private void OpenGeneric(IndentedWriter w, string header)
    {
        w.Line(header);
        w.Open();
        w.Line("where T : unmanaged, IFloatingPointIeee754<T>");
        if (_loss.UsesTarget)
        {
            w.Line("where TIndex : unmanaged, IBinaryInteger<TIndex>");
        }

        if (_outputs.Chosen)
        {
            w.Line($"where {OutputsParameter} : struct, global::LossGen.Internal.IKernelOutputs");
        }

        w.Unindent();
        w.Line("{");
        w.Open();
    }

    private void EmitKernel(IndentedWriter w, string generatedCode)
    {
        string returnType = ReturnsTotal(_loss, _outputs) ? "double" : "void";
        string typeParameters = TypeParameters;
        string parameters = string.Join(", ", Parameters(_loss, _outputs).Select(p => p.Type + " " + p.Name));
        w.Line(generatedCode);
        OpenGeneric(w, $"private static {returnType} {KernelName(_loss, _outputs)}{typeParameters}({parameters})");
        EmitValidation(w);
        var targetPass = new IndentedWriter(w.Indent);
        EmitTargetPass(targetPass);

        // Constants and hyper-parameter expressions, found while emitting the loops, go before them.
        w.Line();
        w.Raw(_kernelPiece.Scalars);
        w.Raw(targetPass);
        if (_outputs.Dx && ReducedLoss)
        {
            string seed = _loss.Reduction switch
            {
                Reduction.Mean => "denominator == 0 ? T.Zero : dloss / T.CreateTruncating(denominator)",
                Reduction.BatchMean => "dloss / T.CreateTruncating(batch)",
                _ => "dloss",
            };
            w.Line($"T seed = {seed};");
        }

        // The position loop runs in chunks (on several threads for large inputs), in a struct of its own.
        // Blocks of positions in lanes, then positions one at a time: each a method of its own, so that the JIT's
        // limits per method (locals, inlining) apply to each piece rather than to the whole loop. Pieces with vector
        // code are generic over the width: written once, compiled by the JIT for the width the chunk struct picks.
        Pieces pieces = WritePieces(w.Indent + 1);
        List<(string Type, string Name)> fields = ChunkFields();
        List<(string Name, string Type)> pinned = Pinned();
        w.Line($"var chunks = new {ChunksName}{typeParameters}");
        w.Line("{");
        w.Open();
        foreach ((_, string name) in fields)
        {
            w.Line($"{name} = {name},");
        }

        w.Close("};");
        var refs = pinned.Select(p => p.Type == "T" ? $"ref Unsafe.As<T, byte>(ref {p.Name}Ref)" : $"ref Unsafe.As<{p.Type}, byte>(ref {p.Name}Ref)").ToList();
        while (refs.Count < PinnedCapacity)
        {
            refs.Add("ref Unsafe.NullRef<byte>()");
        }

        string run = $"global::LossGen.Internal.Chunks.Run(in chunks, positions, {(Flat ? "1" : "classes")}, {string.Join(", ", refs)})";
        if (returnType == "double")
        {
            w.Line($"double total = {run};");
            w.Line(_loss.Reduction switch
            {
                Reduction.Mean => "return total / denominator;",
                Reduction.BatchMean => "return total / batch;",
                _ => "return total;",
            });
        }
        else
        {
            w.Line(run + ";");
        }

        w.Close();
        w.Line();

        // The chunk struct.
        w.Line("/// <summary>The position loop of <see cref=\"" + KernelName(_loss, _outputs) + "\"/>, for a chunk of positions; the tensors arrive pinned.</summary>");
        w.Line(generatedCode);
        OpenGeneric(w, $"private struct {ChunksName}{typeParameters} : global::LossGen.Internal.IChunkKernel");
        foreach ((string type, string name) in fields)
        {
            w.Line($"public {type} {name};");
        }

        w.Line();
        w.Line("public readonly double Run(nint start, nint end, in global::LossGen.Internal.Pinned pinned)");
        w.Line("{");
        w.Open();
        w.Line("double total = 0;");
        if (pieces.UsesVectors)
        {
            for (int i = 0; i < VectorWidth.Kernels.Length; i++)
            {
                VectorWidth width = VectorWidth.Kernels[i];
                w.Line(i == VectorWidth.Kernels.Length - 1 ? "else" : (i == 0 ? "if" : "else if") + $" ({width.Type}.IsHardwareAccelerated)");
                w.Line("{");
                w.Open();
                WriteCalls(w, pieces, "<" + width.Arguments + ">");
                w.Close();
            }
        }
        else
        {
            WriteCalls(w, pieces, string.Empty);
        }

        w.Line("return total;");
        w.Close();
        string generic = pieces.UsesVectors ? $"<{VectorWidth.Parameter}, {VectorWidth.VectorParameter}>" : string.Empty;
        if (pieces.Lanes is not null)
        {
            WritePiece(w, "nint Lanes" + generic + "(nint start, nint end, in global::LossGen.Internal.Pinned pinned, ref double total)", pieces.UsesVectors, pieces.LanesScalars, pieces.Lanes, "return position;", pinned, fields);
        }

        WritePiece(w, "double Rows" + generic + "(nint start, nint end, in global::LossGen.Internal.Pinned pinned)", pieces.UsesVectors, pieces.RowsScalars, pieces.Rows, "return total;", pinned, fields);
        w.Close();
    }

    /// <summary>The calls of the chunk struct's Run to the pieces, with the width's type arguments (if generic).</summary>
    private static void WriteCalls(IndentedWriter w, Pieces pieces, string arguments)
    {
        w.Line(pieces.Lanes is not null ? $"nint position = Lanes{arguments}(start, end, in pinned, ref total);" : "nint position = start;");
        w.Line($"total += Rows{arguments}(position, end, in pinned);");
    }

    /// <summary>The pieces of the position loop: blocks of positions in lanes (when the loss has them), then rows.</summary>
    private sealed record Pieces(IndentedWriter LanesScalars, IndentedWriter? Lanes, IndentedWriter RowsScalars, IndentedWriter Rows, bool UsesVectors);

    private Pieces WritePieces(int indent)
    {
        var lanes = new IndentedWriter(indent);
        Piece lanesPiece = NewPiece(indent);
        if (_decisions.Lanes)
        {
            EmitLanes(lanes, lanesPiece);
        }

        var rows = new IndentedWriter(indent);
        Piece rowsPiece = NewPiece(indent);
        EmitRows(rows, rowsPiece);
        return new Pieces(lanesPiece.Scalars, _decisions.Lanes ? lanes : null, rowsPiece.Scalars, rows, _decisions.UsesVectors);
    }

    /// <summary>A method of the chunk struct: the pinned refs and fields as locals, then the piece's constants and loop.</summary>
    private static void WritePiece(IndentedWriter w, string signature, bool generic, IndentedWriter scalars, IndentedWriter body, string result, List<(string Name, string Type)> pinned, List<(string Type, string Name)> fields)
    {
        w.Line();
        // Fully optimised from the first call: a kernel's loops are what the program runs, and tiering would
        // first run them unoptimised, then optimise them for whatever the first calls happened to look like.
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        w.Line("private readonly " + signature);
        if (generic)
        {
            w.Open();
            w.Line($"where {VectorWidth.Parameter} : struct, global::LossGen.Internal.IKernelWidth<{VectorWidth.VectorParameter}, T>");
            w.Line($"where {VectorWidth.VectorParameter} : struct");
            w.Unindent();
        }

        w.Line("{");
        w.Open();
        for (int i = 0; i < pinned.Count; i++)
        {
            w.Line($"ref {pinned[i].Type} {pinned[i].Name}Ref = ref pinned.Ref<{pinned[i].Type}>({i.ToString(CultureInfo.InvariantCulture)});");
        }

        foreach ((string type, string field) in fields)
        {
            w.Line($"{type} {field} = this.{field};");
        }

        if (result == "return total;")
        {
            w.Line("double total = 0;");
        }

        w.Raw(scalars);
        w.Raw(body);
        w.Line(result);
        w.Close();
    }

    /// <summary>A piece's constants (hyper-parameter expressions, broadcast vectors); the seed of a reduced loss is a field.</summary>
    private Piece NewPiece(int indent)
    {
        var piece = new Piece(new IndentedWriter(indent));
        if (_outputs.Dx && ReducedLoss)
        {
            piece.Names[_loss.Seed] = "seed";
        }

        return piece;
    }

    /// <summary>A vector of <paramref name="tensor"/> from element <paramref name="offset"/> on (only the tail's lanes in the masked step).</summary>
    private static string VectorLoad(Context context, string tensor, string offset) => context.TailMask is null
        ? $"{V}.LoadUnsafe(ref {tensor}Ref, (nuint)({offset}))"
        : $"{V}.LoadTail(ref Unsafe.Add(ref {tensor}Ref, {offset}), {context.TailMask})";

    /// <summary>Stores <paramref name="value"/> to <paramref name="tensor"/> from element <paramref name="offset"/> on (only the tail's lanes in the masked step).</summary>
    private static string VectorStore(Context context, string value, string tensor, string offset) => context.TailMask is null
        ? $"{V}.StoreUnsafe({value}, ref {tensor}Ref, (nuint)({offset}));"
        : $"{V}.StoreTail({value}, ref Unsafe.Add(ref {tensor}Ref, {offset}), {context.TailMask});";

    /// <summary>
    /// Writes the masked last step of a vector loop over classes: when the class count is not a multiple of the vector
    /// width, one more step over the classes left, its loads and stores under a mask. <paramref name="step"/> writes the
    /// step's body given the mask's name.
    /// </summary>
    private void EmitTail(IndentedWriter vector, Func<string, IndentedWriter> step)
    {
        string mask = Fresh("tailMask");
        vector.Line("if (c < classes)");
        vector.Line("{");
        vector.Line($"    {VectorType} {mask} = {V}.TailMask(classes - c);");
        vector.Raw(step(mask));
        vector.Line("    c = classes;");
        vector.Line("}");
    }

    /// <summary>How many tensors <c>Chunks.Run</c> pins.</summary>
    private const int PinnedCapacity = 10;
}
