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
internal sealed class KernelEmitter
{
    private readonly CompiledLoss _loss;
    private readonly KernelOutputs _outputs;
    private readonly KernelPlan _plan;
    private readonly KernelDecisions _decisions;
    private IndentedWriter _scalars;
    private Dictionary<Node, string> _scalarNames = new();
    private readonly Dictionary<string, int> _stems = new();
    private Dictionary<Node, string> _rowNames = new();
    private Dictionary<Node, string> _pickNames = new();
    private IndentedWriter _rowWriter;

    private KernelEmitter(CompiledLoss loss, KernelOutputs outputs, int indent)
    {
        _loss = loss;
        _outputs = outputs;
        _plan = KernelPlan.Create(loss.Graph, outputs, loss.Loss, loss.Dx, loss.Dy, loss.MeanWeight);
        _scalars = new IndentedWriter(indent);
        _rowWriter = new IndentedWriter(indent);
        _decisions = KernelDecisions.For(loss, outputs, _plan);
    }

    /// <summary>Reads of memory at the target (x[t], w[t]) are made at the start of the row, before any pass writes dx.</summary>
    private void DefinePicks()
    {
        var roots = new[] { _plan.Loss, _plan.Dx, _plan.Dy }.Where(n => n is not null).Cast<Node>().ToArray();
        foreach (Node node in Walk.TopologicalOrder(roots))
        {
            if (node.Op == Op.Pick)
            {
                Value(node, null);
            }
        }
    }

    private enum Place
    {
        Class,
        Pick,
        Flat,
        /// <summary>A Vector256 of consecutive classes c .. c + Count - 1 (contiguous class axis).</summary>
        Vector,
        /// <summary>
        /// Flat vector k of an unrolled lane row: elements k * Count .. k * Count + Count - 1 of the block's rows, laid out as
        /// in memory; row values are spread over it with VectorOps.Expand.
        /// </summary>
        Block,
    }

    private const string VectorCount = "Vector256<T>.Count";

    private Dictionary<Node, string> _rowVectors = new();

    /// <summary>Emitting a block of positions, one per lane: every row and class value is a Vector256.</summary>
    private bool _lanes;
    private Dictionary<Node, string> _scalarVectors = new();

    private bool ReducedLoss => _loss.Reduction != Reduction.None;

    /// <summary>The largest compile-time class count whose rows in lanes are unrolled (every class value kept in a register).</summary>
    private const int MaxUnrolledClasses = 16;

    /// <summary>In an unrolled lane row, the class being emitted (a literal); otherwise the loop variable <c>c</c>.</summary>
    private string _classIndex = "c";

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

        if (_outputs.Dy)
        {
            yield return "dy";
        }
    }

    /// <summary>Tensors with one value per position, walked without the class axis.</summary>
    private IEnumerable<string> PerPosition()
    {
        if (_loss.UsesTarget)
        {
            yield return "t";
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
    }

    public static void Emit(IndentedWriter w, CompiledLoss loss, KernelOutputs outputs, string generatedCode)
    {
        var emitter = new KernelEmitter(loss, outputs, w.Indent + 1);
        emitter.EmitKernel(w, generatedCode);
    }

    public static string KernelName(KernelOutputs outputs) => outputs.Name + "Kernel";

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

        if (outputs.Dy)
        {
            yield return ("TensorSpan<T>", "dy");
        }

        foreach (string parameter in loss.ParametersUsed)
        {
            yield return ("T", KernelParameter(parameter));
        }
    }

    /// <summary>The nested struct that runs a chunk of positions of this kernel on any thread.</summary>
    private string ChunksName => _outputs.Name + "Chunks";

    private string TypeParameters => _loss.UsesTarget ? "<T, TIndex>" : "<T>";

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

        if (_outputs.Dy)
        {
            pinned.Add(("dy", "T"));
        }

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

        w.Unindent();
        w.Line("{");
        w.Open();
    }

    private void EmitKernel(IndentedWriter w, string generatedCode)
    {
        string returnType = ReducedLoss && _outputs.Loss ? "double" : "void";
        string typeParameters = TypeParameters;
        string parameters = string.Join(", ", Parameters(_loss, _outputs).Select(p => p.Type + " " + p.Name));
        w.Line(generatedCode);
        OpenGeneric(w, $"private static {returnType} {KernelName(_outputs)}{typeParameters}({parameters})");
        EmitValidation(w);
        var targetPass = new IndentedWriter(w.Indent);
        EmitTargetPass(targetPass);

        // Constants and hyper-parameter expressions, found while emitting the loops, go before them.
        w.Line();
        w.Raw(_scalars);
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
        // limits per method (locals, inlining) apply to each piece rather than to the whole loop.
        var lanes = new IndentedWriter(w.Indent + 1);
        IndentedWriter lanesScalars = ResetScalars(w.Indent + 1);
        bool hasLanes = EmitLanes(lanes);
        var rows = new IndentedWriter(w.Indent + 1);
        IndentedWriter rowsScalars = ResetScalars(w.Indent + 1);
        EmitRows(rows);
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
        w.Line("/// <summary>The position loop of <see cref=\"" + KernelName(_outputs) + "\"/>, for a chunk of positions; the tensors arrive pinned.</summary>");
        w.Line(generatedCode);
        OpenGeneric(w, $"private struct {ChunksName}{typeParameters} : global::LossGen.Internal.IChunkKernel");
        foreach ((string type, string name) in fields)
        {
            w.Line($"public {type} {name};");
        }

        var pieces = new List<(string Name, string Signature, IndentedWriter Scalars, IndentedWriter Body)>();
        if (hasLanes)
        {
            pieces.Add(("Lanes", "nint {0}(nint start, nint end, in global::LossGen.Internal.Pinned pinned, ref double total)", lanesScalars, lanes));
        }

        pieces.Add(("Rows", "double {0}(nint start, nint end, in global::LossGen.Internal.Pinned pinned)", rowsScalars, rows));
        bool wide = pieces.Any(p => (p.Scalars.ToString() + p.Body.ToString()).Contains("Vector256"));

        w.Line();
        w.Line("public readonly double Run(nint start, nint end, in global::LossGen.Internal.Pinned pinned)");
        w.Line("{");
        w.Open();
        w.Line("double total = 0;");
        foreach (string suffix in wide ? new[] { "512", "256" } : new[] { string.Empty })
        {
            if (wide)
            {
                w.Line(suffix == "512" ? "if (Vector512.IsHardwareAccelerated)" : "else");
                w.Line("{");
                w.Open();
            }

            w.Line(hasLanes ? $"nint position = Lanes{suffix}(start, end, in pinned, ref total);" : "nint position = start;");
            w.Line($"total += Rows{suffix}(position, end, in pinned);");
            if (wide)
            {
                w.Close();
            }
        }

        w.Line("return total;");
        w.Close();
        foreach (string suffix in wide ? new[] { "512", "256" } : new[] { string.Empty })
        {
            foreach ((string name, string signature, IndentedWriter scalars, IndentedWriter body) in pieces)
            {
                w.Line();
                // Fully optimised from the first call: a kernel's loops are what the program runs, and tiering would
                // first run them unoptimised, then optimise them for whatever the first calls happened to look like.
                w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
                w.Line("private readonly " + string.Format(CultureInfo.InvariantCulture, signature, name + suffix));
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

                if (name == "Rows")
                {
                    w.Line("double total = 0;");
                }

                w.Raw(suffix == "512" ? Widen(scalars) : scalars);
                w.Raw(suffix == "512" ? Widen(body) : body);
                w.Line(name == "Rows" ? "return total;" : "return position;");
                w.Close();
            }
        }

        w.Close();
    }

    /// <summary>Starts a new set of per-method constants (hyper-parameter expressions, broadcast vectors).</summary>
    private IndentedWriter ResetScalars(int indent)
    {
        _scalars = new IndentedWriter(indent);
        _scalarNames = new Dictionary<Node, string>();
        _scalarVectors = new Dictionary<Node, string>();
        _blockConstants.Clear();
        if (_outputs.Dx && ReducedLoss)
        {
            _scalarNames[_loss.Seed] = "seed";
        }

        return _scalars;
    }

    /// <summary>
    /// The 512-bit form of code written for <see cref="System.Runtime.Intrinsics.Vector256"/>: the vector type, and the
    /// VectorOps helpers that take no vector (so cannot overload on width) by their 512 names.
    /// </summary>
    private static IndentedWriter Widen(IndentedWriter code)
    {
        string text = code.ToString()
            .Replace("Vector256", "Vector512")
            .Replace("VectorOps.OneHot<", "VectorOps.OneHot512<")
            .Replace("VectorOps.Gather(", "VectorOps.Gather512(")
            .Replace("VectorOps.Targets<", "VectorOps.Targets512<")
            .Replace("VectorOps.ExpandIndices<", "VectorOps.ExpandIndices512<")
            .Replace("VectorOps.ClassIndices<", "VectorOps.ClassIndices512<")
            .Replace("VectorOps.TailMask<", "VectorOps.TailMask512<");
        var result = new IndentedWriter();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length > 0)
            {
                result.Line(line);
            }
        }

        return result;
    }

    /// <summary>In a vector loop over classes: the index of the vector's first class (<c>c</c>, or <c>(c + Count)</c> in an unrolled step).</summary>
    private string _vectorIndex = "c";

    /// <summary>
    /// In the masked last step of a vector loop over classes: the name of the mask of the classes left (loads and stores
    /// touch only those lanes); null in whole-vector steps.
    /// </summary>
    private string? _tailMask;

    /// <summary>A vector of <paramref name="tensor"/> from element <paramref name="offset"/> on (only the tail's lanes in the masked step).</summary>
    private string VectorLoad(string tensor, string offset) => _tailMask is null
        ? $"Vector256.LoadUnsafe(ref {tensor}Ref, (nuint)({offset}))"
        : $"global::LossGen.Internal.VectorOps.LoadTail(ref Unsafe.Add(ref {tensor}Ref, {offset}), {_tailMask})";

    /// <summary>Stores <paramref name="value"/> to <paramref name="tensor"/> from element <paramref name="offset"/> on (only the tail's lanes in the masked step).</summary>
    private string VectorStore(string value, string tensor, string offset) => _tailMask is null
        ? $"{value}.StoreUnsafe(ref {tensor}Ref, (nuint)({offset}));"
        : $"global::LossGen.Internal.VectorOps.StoreTail({value}, ref Unsafe.Add(ref {tensor}Ref, {offset}), {_tailMask});";

    /// <summary>
    /// Writes the masked last step of a vector loop over classes: when the class count is not a multiple of the vector
    /// width, one more step over the classes left, its loads and stores under a mask. <paramref name="step"/> writes the
    /// step's body given the mask's name.
    /// </summary>
    private void EmitTail(IndentedWriter vector, Func<IndentedWriter> step)
    {
        string mask = Fresh("tailMask");
        vector.Line("if (c < classes)");
        vector.Line("{");
        vector.Line($"    Vector256<T> {mask} = global::LossGen.Internal.VectorOps.TailMask<T>(classes - c);");
        _tailMask = mask;
        vector.Raw(step());
        _tailMask = null;
        vector.Line("    c = classes;");
        vector.Line("}");
    }

    /// <summary>How many tensors <c>Chunks.Run</c> pins.</summary>
    private const int PinnedCapacity = 10;

    private void EmitValidation(IndentedWriter w)
    {
        var spec = _loss.Spec;
        w.Line("// Validate every argument before anything is written.");
        if (Flat)
        {
            w.Line("global::LossGen.Internal.Check.Rank(x.Lengths, \"x\");");
            w.Line("const int axis = -1;");
            w.Line("nint positions = x.FlattenedLength;");
        }
        else
        {
            w.Line($"int axis = global::LossGen.Internal.Check.ClassAxis(x.Lengths, {spec.ClassAxis.ToString(CultureInfo.InvariantCulture)}, {spec.Classes.ToString(CultureInfo.InvariantCulture)}, \"x\");");
            w.Line("nint classes = x.Lengths[axis];");
            w.Line("nint positions = global::LossGen.Internal.Check.Positions(x.Lengths, axis);");
        }

        foreach (InputSpec input in _loss.Inputs)
        {
            if (input.Layout == InputLayout.PerClass)
            {
                w.Line($"global::LossGen.Internal.Check.ClassVector({input.Name}.Lengths, classes, \"{input.Name}\");");
            }
            else
            {
                w.Line($"global::LossGen.Internal.Check.SameShape({input.Name}.Lengths, x.Lengths, \"{input.Name}\", \"the shape of x\");");
            }
        }

        foreach (string name in PerPosition())
        {
            w.Line($"global::LossGen.Internal.Check.PositionShape({name}.Lengths, x.Lengths, axis, \"{name}\");");
        }

        foreach (string name in LikeX().Where(n => n is "loss" or "dloss" or "dx" or "dy"))
        {
            w.Line($"global::LossGen.Internal.Check.SameShape({name}.Lengths, x.Lengths, \"{name}\", \"the shape of x\");");
        }

        // Memory: outputs against inputs and each other.
        var outputs = new List<string>();
        if (_outputs.Loss && !ReducedLoss)
        {
            outputs.Add("loss");
        }

        if (_outputs.Dx)
        {
            outputs.Add("dx");
        }

        if (_outputs.Dy)
        {
            outputs.Add("dy");
        }

        var inputs = new List<string> { "x" };
        inputs.AddRange(_loss.Inputs.Select(i => i.Name));
        if (_loss.UsesTarget)
        {
            inputs.Add("t");
        }

        if (_outputs.Dx && !ReducedLoss)
        {
            inputs.Add("dloss");
        }

        foreach (string name in inputs.Concat(outputs))
        {
            string type = name == "t" ? "TIndex" : "T";
            w.Line($"ref {type} {name}Ref = ref {RefOf(name)};");
        }

        for (int o = 0; o < outputs.Count; o++)
        {
            string output = outputs[o];
            foreach (string input in inputs)
            {
                string allowSame = output == "dx" && input == "x" ? ", allowSame: true" : string.Empty;
                w.Line($"global::LossGen.Internal.Check.NoOverlap(ref {output}Ref, {output}.Lengths, {output}.Strides, \"{output}\", ref {input}Ref, {input}.Lengths, {input}.Strides, \"{input}\"{allowSame});");
            }

            for (int p = o + 1; p < outputs.Count; p++)
            {
                string other = outputs[p];
                w.Line($"global::LossGen.Internal.Check.NoOverlap(ref {output}Ref, {output}.Lengths, {output}.Strides, \"{output}\", ref {other}Ref, {other}.Lengths, {other}.Strides, \"{other}\");");
            }
        }

        w.Line();
        foreach (string name in LikeX())
        {
            w.Line($"global::LossGen.Internal.Walker {name}Walk = global::LossGen.Internal.Walker.Create({name}.Lengths, {name}.Strides, axis);");
            if (!Flat)
            {
                w.Line($"nint {name}Stride = {name}Walk.ClassStride;");
            }
        }

        foreach (string name in PerPosition())
        {
            w.Line($"global::LossGen.Internal.Walker {name}Walk = global::LossGen.Internal.Walker.Create({name}.Lengths, {name}.Strides, -1);");
        }

        foreach (InputSpec input in _loss.Inputs.Where(i => i.Layout == InputLayout.PerClass))
        {
            w.Line($"nint {input.Name}Stride = {input.Name}.Strides[0];");
        }
    }

    private static string RefOf(string name) =>
        name is "loss" or "dx" or "dy"
            ? $"{name}.GetPinnableReference()"
            : $"Unsafe.AsRef(in {name}.GetPinnableReference())";

    private bool NeedsDenominator => _loss.Reduction == Reduction.Mean && (_outputs.Loss || _outputs.Dx);

    private bool CountsInTargetPass => NeedsDenominator && (HasIgnore || _plan.MeanWeight is not null);

    private void EmitTargetPass(IndentedWriter w)
    {
        if (NeedsDenominator && !CountsInTargetPass)
        {
            w.Line(Elementwise && !Flat ? "double denominator = (double)positions * classes;" : "double denominator = positions;");
        }

        if (_loss.Reduction == Reduction.BatchMean && (_outputs.Loss || _outputs.Dx))
        {
            w.Line("double batch = x.Rank == 0 ? 1 : x.Lengths[0];");
        }

        if (!_loss.UsesTarget && !CountsInTargetPass)
        {
            return;
        }

        string ignore = HasIgnore ? _loss.Spec.IgnoreIndex.ToString(CultureInfo.InvariantCulture) : string.Empty;
        string ignoreNote = HasIgnore ? $" and is not the ignore index {ignore}" : string.Empty;
        w.Line(!_loss.UsesTarget ? "// Add up Mean's denominator." : CountsInTargetPass ? "// Check the class indices and add up Mean's denominator." : "// Check the class indices.");
        if (CountsInTargetPass)
        {
            w.Line("double denominator = 0;");
        }

        bool dense = _loss.UsesTarget && _plan.MeanWeight is null;
        if (dense)
        {
            w.Line("if (tWalk.IsRows(1))");
            w.Line("{");
            w.Open();
            string hasIgnore = HasIgnore ? "true" : "false";
            w.Line($"nint badPosition = global::LossGen.Internal.Check.DenseTargets(ref tRef, positions, classes, {(HasIgnore ? ignore : "0")}, {hasIgnore}, out nint counted);");
            using (w.Block("if (badPosition >= 0)"))
            {
                w.Line($"throw global::LossGen.Internal.Check.TargetOutOfRange(\"t\", t.Lengths, badPosition, long.CreateTruncating(Unsafe.Add(ref tRef, badPosition)), classes, \"{ignoreNote}\");");
            }

            if (CountsInTargetPass)
            {
                w.Line(Elementwise ? "denominator = (double)counted * classes;" : "denominator = counted;");
            }

            w.Close();
            w.Line("else");
            w.Line("{");
            w.Open();
        }

        using (w.Block("for (nint position = 0; position < positions; position++)"))
        {
            if (!_loss.UsesTarget)
            {
                StartRow(w);
                EmitPasses(_plan.WeightPasses);
                string rowWeight = Value(_plan.MeanWeight!, null);
                w.Raw(_rowWriter);
                w.Line($"denominator += double.CreateTruncating({rowWeight});");
            }
            else
            {
                EmitTargetChecks(w, ignore, ignoreNote);
            }
        }

        if (dense)
        {
            w.Close();
        }

        w.Line();
    }

    private void EmitTargetChecks(IndentedWriter w, string ignore, string ignoreNote)
    {

        w.Line("long targetValue = long.CreateTruncating(Unsafe.Add(ref tRef, tWalk.Offset(position)));");
        if (HasIgnore)
        {
            using (w.Block($"if (targetValue == {ignore})"))
            {
                w.Line("continue;");
            }
        }

        using (w.Block("if ((ulong)targetValue >= (ulong)classes)"))
        {
            w.Line($"throw global::LossGen.Internal.Check.TargetOutOfRange(\"t\", t.Lengths, position, targetValue, classes, \"{ignoreNote}\");");
        }

        if (CountsInTargetPass)
        {
            if (_plan.MeanWeight is null)
            {
                w.Line(Elementwise ? "denominator += classes;" : "denominator += 1;");
            }
            else
            {
                w.Line("nint target = (nint)targetValue;");
                StartRow(w);
                EmitPasses(_plan.WeightPasses);
                string weight = Value(_plan.MeanWeight, null);
                w.Raw(_rowWriter);
                w.Line($"denominator += double.CreateTruncating({weight});");
            }
        }
    }


    private void StartRow(IndentedWriter w)
    {
        _rowVectors = new Dictionary<Node, string>();
        _rowNames = new Dictionary<Node, string>();
        _pickNames = new Dictionary<Node, string>();
        _rowWriter = new IndentedWriter(w.Indent);
    }

    /// <summary>The blocks of positions in lanes (false when this kernel has no lane form).</summary>
    private bool EmitLanes(IndentedWriter w)
    {
        string? lanes = LaneCondition();
        if (lanes is null)
        {
            return false;
        }

        w.Line("// Short class axis, dense rows: a block of positions at a time, one position per lane.");
        w.Line("nint position = start;");
        w.Line($"if ({lanes})");
        w.Line("{");
        w.Open();
        using (w.Block($"for (; position <= end - {VectorCount}; position += {VectorCount})"))
        {
            EmitLaneRow(w);
        }

        w.Close();
        return true;
    }

    /// <summary>Positions one at a time, with vector loops over the class axis where it is contiguous.</summary>
    private void EmitRows(IndentedWriter w)
    {
        using (w.Block("for (nint position = start; position < end; position++)"))
        {
            StartRow(w);
            foreach (string name in LikeX().Concat(PerPosition()))
            {
                _rowWriter.Line($"nint {name}Offset = {name}Walk.Offset(position);");
            }

            if (_loss.UsesTarget)
            {
                _rowWriter.Line("long targetValue = long.CreateTruncating(Unsafe.Add(ref tRef, tOffset));");
                if (HasIgnore)
                {
                    EmitIgnored(_rowWriter);
                }

                _rowWriter.Line("nint target = (nint)targetValue;");
            }

            if (_outputs.Dx && !ReducedLoss && !Elementwise)
            {
                _rowWriter.Line("T seed = Unsafe.Add(ref dlossRef, dlossOffset);");
                _rowNames[_loss.Seed] = "seed";
            }

            DefinePicks();
            EmitPasses(_plan.Passes);
            EmitFinal();
            w.Raw(_rowWriter);
        }
    }

    /// <summary>
    /// Positions in lanes: worth it where the class axis is shorter than two vectors and every function on the way has a
    /// vector form; null otherwise. The condition checks at run time that rows are dense and contiguous.
    /// </summary>
    private string? LaneCondition()
    {
        var roots = new[] { _plan.Loss, _plan.Dx, _plan.Dy }.Where(n => n is not null).Cast<Node>().ToArray();
        foreach (Node node in Walk.TopologicalOrder(roots))
        {
            if (node.Op == Op.Call && !node.IsReduction && node.Shape != Shape.Scalar && node.Function!.Vector is null)
            {
                return null;
            }
        }

        var checks = new List<string> { "Vector256.IsHardwareAccelerated", $"end - start >= {VectorCount}" };
        if (!Flat)
        {
            checks.Add($"classes < 2 * {VectorCount}");
        }

        checks.AddRange(LikeX().Select(n => $"{n}Walk.IsRows({(Flat ? "1" : "classes")})"));
        checks.AddRange(PerPosition().Select(n => $"{n}Walk.IsRows(1)"));
        return string.Join(" && ", checks);
    }

    /// <summary>The row program for a block of positions, one per lane; a block with an ignored target leaves the rest to the scalar loop.</summary>
    private void EmitLaneRow(IndentedWriter w)
    {
        StartRow(w);
        _lanes = true;
        // The lane condition checked that rows are dense: position p starts at p * (row length).
        foreach (string name in LikeX())
        {
            _rowWriter.Line(Flat ? $"nint {name}Offset = position;" : $"nint {name}Offset = position * {RowLength};");
        }

        foreach (string name in PerPosition())
        {
            _rowWriter.Line($"nint {name}Offset = position;");
        }

        if (_loss.UsesTarget)
        {
            _rowWriter.Line("Vector256<T> targetLanes = global::LossGen.Internal.VectorOps.Targets<T, TIndex>(ref Unsafe.Add(ref tRef, tOffset));");
            if (HasIgnore)
            {
                using (_rowWriter.Block($"if (global::LossGen.Internal.VectorOps.Contains(targetLanes, T.CreateTruncating({_loss.Spec.IgnoreIndex.ToString(CultureInfo.InvariantCulture)})))"))
                {
                    _rowWriter.Line("break;");
                }
            }
        }

        if (_outputs.Dx && !ReducedLoss && !Elementwise)
        {
            string seedLanes = Fresh("seed") + "Lanes";
            _rowWriter.Line($"Vector256<T> {seedLanes} = Vector256.LoadUnsafe(ref dlossRef, (nuint)dlossOffset);");
            _rowNames[_loss.Seed] = seedLanes;
        }

        if (Unrolled)
        {
            EmitUnrolledLanes();
            w.Raw(_rowWriter);
            _lanes = false;
            return;
        }

        DefinePicks();
        foreach (List<Node> pass in _plan.Passes)
        {
            var body = new IndentedWriter(_rowWriter.Indent + 1);
            var context = new Context(Place.Class, body);
            List<(Node Node, string Name)> accumulators = Accumulate(pass, context, "Vector256");

            foreach ((Node reduction, string name) in accumulators)
            {
                _rowWriter.Line($"Vector256<T> {name} = Vector256.Create({Init(reduction)});");
            }

            _rowWriter.Line("for (nint c = 0; c < classes; c++)");
            _rowWriter.Line("{");
            _rowWriter.Raw(body);
            _rowWriter.Line("}");
            foreach ((Node reduction, string name) in accumulators)
            {
                _rowNames[reduction] = name;
            }
        }

        EmitFinal();
        w.Raw(_rowWriter);
        _lanes = false;
    }

    /// <summary>
    /// The lane row with the class loop unrolled (compile-time <c>Classes</c>): each class's values are named once and
    /// stay in registers from the pass that computes them to the final pass, so x is gathered once and exp runs once.
    /// </summary>
    private void EmitUnrolledLanes()
    {
        int classes = _loss.Spec.Classes;
        var contexts = Enumerable.Range(0, classes).Select(_ => new Context(Place.Class, _rowWriter)).ToArray();
        _unrolled = contexts;
        foreach (List<Node> pass in _plan.Passes)
        {
            var accumulators = pass.Select(r => (Node: r, Name: Fresh(r.Function!.Reduce switch { ReduceKind.Sum => "sum", ReduceKind.Max => "max", _ => "min" }))).ToList();
            var partial = new Dictionary<Node, string>();
            for (int c = 0; c < classes; c++)
            {
                _classIndex = c.ToString(CultureInfo.InvariantCulture);
                foreach ((Node reduction, string name) in accumulators)
                {
                    string value = Value(reduction.Args[0], contexts[c]);
                    if (!partial.ContainsKey(reduction))
                    {
                        _rowWriter.Line($"Vector256<T> {name} = {value};");
                        partial[reduction] = name;
                        continue;
                    }

                    _rowWriter.Line(reduction.Function!.Reduce switch
                    {
                        ReduceKind.Sum => $"{name} += {value};",
                        ReduceKind.Max => $"{name} = Vector256.{VectorMax(reduction)}({name}, {value});",
                        _ => $"{name} = Vector256.Min({name}, {value});",
                    });
                }
            }

            _classIndex = "c";
            foreach ((Node reduction, string name) in accumulators)
            {
                _rowNames[reduction] = name;
            }
        }

        if (_outputs.Loss && !Elementwise)
        {
            string value = Value(_plan.Loss!, null);
            _rowWriter.Line(ReducedLoss
                ? $"total += double.CreateTruncating(Vector256.Sum({value}));"
                : $"{value}.StoreUnsafe(ref lossRef, (nuint)lossOffset);");
        }

        if ((_outputs.Loss && Elementwise) || _outputs.Dx || _outputs.Dy)
        {
            // The outputs are computed in memory order, one flat vector of the block at a time (contiguous loads and
            // stores, row values spread over the lanes), and stored after everything is read: dx may be x.
            var writes = new List<string>();
            for (int k = 0; k < classes; k++)
            {
                _blockIndex = k;
                writes.AddRange(FinalWrites(new Context(Place.Block, _rowWriter)));
            }

            _blockIndex = -1;
            foreach (string write in writes)
            {
                _rowWriter.Line(write);
            }
        }

        _unrolled = null;
    }

    /// <summary>While an unrolled lane row is emitted, each class's values.</summary>
    private Context[]? _unrolled;

    /// <summary>The flat vector of the block being emitted (<see cref="Place.Block"/>).</summary>
    private int _blockIndex = -1;

    private readonly Dictionary<string, string> _blockConstants = new();

    /// <summary>A per-kernel constant vector (made once before the loop), e.g. the permutation spreading row values over flat vector k.</summary>
    private string BlockConstant(string helper, int k)
    {
        string key = helper + k.ToString(CultureInfo.InvariantCulture);
        if (!_blockConstants.TryGetValue(key, out string? name))
        {
            name = char.ToLowerInvariant(helper[0]) + helper.Substring(1) + k.ToString(CultureInfo.InvariantCulture);
            _scalars.Line($"Vector256<T> {name} = global::LossGen.Internal.VectorOps.{helper}<T>({k.ToString(CultureInfo.InvariantCulture)}, {_loss.Spec.Classes.ToString(CultureInfo.InvariantCulture)});");
            _blockConstants[key] = name;
        }

        return name;
    }

    private string BlockOffset(string tensor) => $"(nuint)({tensor}Offset + {_blockIndex.ToString(CultureInfo.InvariantCulture)} * Vector256<T>.Count)";

    /// <summary>In flat vector k of a block: the target class of each element's row.</summary>
    private string BlockTargets(Context context)
    {
        if (context.Targets is null)
        {
            context.Targets = $"targetFlat{_blockIndex.ToString(CultureInfo.InvariantCulture)}";
            context.Writer.Line($"Vector256<T> {context.Targets} = global::LossGen.Internal.VectorOps.Expand(targetLanes, {BlockConstant("ExpandIndices", _blockIndex)});");
        }

        return context.Targets;
    }

    private void EmitIgnored(IndentedWriter w)
    {
        using (w.Block($"if (targetValue == {_loss.Spec.IgnoreIndex.ToString(CultureInfo.InvariantCulture)})"))
        {
            var zeroed = new List<string>();
            if (_outputs.Loss && !ReducedLoss)
            {
                if (Elementwise)
                {
                    zeroed.Add("loss");
                }
                else
                {
                    w.Line("Unsafe.Add(ref lossRef, lossOffset) = T.Zero;");
                }
            }

            if (_outputs.Dx)
            {
                zeroed.Add("dx");
            }

            if (_outputs.Dy)
            {
                zeroed.Add("dy");
            }

            if (zeroed.Count > 0)
            {
                using (w.Block("for (nint c = 0; c < classes; c++)"))
                {
                    foreach (string name in zeroed)
                    {
                        w.Line($"Unsafe.Add(ref {name}Ref, {name}Offset + c * {name}Stride) = T.Zero;");
                    }
                }
            }

            w.Line("continue;");
        }
    }

    /// <summary>
    /// One loop over the class axis per pass; the reductions of a pass share its loop. Where the class axis is
    /// contiguous and every function has a vector form, a Vector256 loop runs, ending with a masked step for the classes
    /// left (<see cref="EmitTail"/>); otherwise a scalar loop does the row.
    /// </summary>
    private void EmitPasses(List<List<Node>> passes)
    {
        for (int p = 0; p < passes.Count; p++)
        {
            List<Node> pass = passes[p];
            bool caches = _decisions.Cache is not null && passes == _plan.Passes && p == _decisions.CachePass;
            bool prefetches = passes == _plan.Passes && p == _decisions.PrefetchPass;
            int indent = _rowWriter.Indent;
            var body = new IndentedWriter(indent + 2);
            var context = new Context(Place.Class, body);
            List<(Node Node, string Name)> accumulators = Accumulate(pass, context, "T");
            if (caches)
            {
                body.Line($"Unsafe.Add(ref dxRef, dxOffset + c * dxStride) = {Value(_decisions.Cache!, context)};");
            }

            IndentedWriter? vector = null;
            string? condition = VectorCondition(pass.Select(r => r.Args[0]), caches ? new[] { "dx" } : Enumerable.Empty<string>());
            if (condition is not null)
            {
                vector = new IndentedWriter(indent + 1);
                vector.Line("{");
                vector.Open();

                // One vector of classes at index c into the partials with the given suffix.
                IndentedWriter Body(string index, string suffix)
                {
                    _vectorIndex = index;
                    var vectorContext = new Context(Place.Vector, new IndentedWriter(indent + 3));
                    foreach ((Node reduction, string name) in accumulators)
                    {
                        string value = Value(reduction.Args[0], vectorContext);
                        string partials = name + "Partials" + suffix;
                        string folded = reduction.Function!.Reduce switch
                        {
                            ReduceKind.Sum => $"{partials} + {value}",
                            ReduceKind.Max => $"Vector256.{VectorMax(reduction)}({partials}, {value})",
                            _ => $"Vector256.Min({partials}, {value})",
                        };
                        vectorContext.Writer.Line(_tailMask is not null
                            ? $"{partials} = Vector256.ConditionalSelect({_tailMask}, {folded}, {partials});"
                            : reduction.Function!.Reduce == ReduceKind.Sum ? $"{partials} += {value};" : $"{partials} = {folded};");
                    }

                    if (caches)
                    {
                        vectorContext.Writer.Line(VectorStore(Value(_decisions.Cache!, vectorContext), "dx", $"dxOffset + {index}"));
                    }

                    if (prefetches && _tailMask is null)
                    {
                        foreach (string name in _decisions.Prefetched)
                        {
                            vectorContext.Writer.Line($"global::LossGen.Internal.VectorOps.Prefetch(ref Unsafe.Add(ref {name}Ref, {name}Next + {index}));");
                        }
                    }

                    _vectorIndex = "c";
                    return vectorContext.Writer;
                }

                if (prefetches)
                {
                    foreach (string name in _decisions.Prefetched)
                    {
                        vector.Line($"nint {name}Next = position + 1 < end ? {name}Walk.Offset(position + 1) : {name}Offset; // where the next row's {name} is");
                    }
                }

                // Two vectors per step into two sets of partials: a max or a sum then waits on the previous one only
                // every other vector.
                foreach ((Node reduction, string name) in accumulators)
                {
                    vector.Line($"Vector256<T> {name}Partials = Vector256.Create({Init(reduction)});");
                    vector.Line($"Vector256<T> {name}Partials2 = Vector256.Create({Init(reduction)});");
                }

                vector.Line($"for (; c <= classes - 2 * {VectorCount}; c += 2 * {VectorCount})");
                vector.Line("{");
                vector.Raw(Body("c", string.Empty));
                vector.Raw(Body($"(c + {VectorCount})", "2"));
                vector.Line("}");
                vector.Line($"for (; c <= classes - {VectorCount}; c += {VectorCount})");
                vector.Line("{");
                vector.Raw(Body("c", string.Empty));
                vector.Line("}");
                EmitTail(vector, () => Body("c", string.Empty));
                foreach ((Node reduction, string name) in accumulators)
                {
                    vector.Line(reduction.Function!.Reduce switch
                    {
                        ReduceKind.Sum => $"{name}Partials += {name}Partials2;",
                        ReduceKind.Max => $"{name}Partials = Vector256.{VectorMax(reduction)}({name}Partials, {name}Partials2);",
                        _ => $"{name}Partials = Vector256.Min({name}Partials, {name}Partials2);",
                    });
                }

                foreach ((Node reduction, string name) in accumulators)
                {
                    vector.Line(reduction.Function!.Reduce switch
                    {
                        ReduceKind.Sum => $"{name} = Vector256.Sum({name}Partials);",
                        ReduceKind.Max => $"{name} = global::LossGen.Internal.VectorOps.MaxAcross({name}Partials);",
                        _ => $"{name} = global::LossGen.Internal.VectorOps.MinAcross({name}Partials);",
                    });
                }

                vector.Close();
            }

            foreach ((Node reduction, string name) in accumulators)
            {
                _rowWriter.Line($"T {name} = {Init(reduction)};");
            }

            EmitClassLoop(body, vector, condition);
            foreach ((Node reduction, string name) in accumulators)
            {
                _rowNames[reduction] = name;
            }
        }
    }

    /// <summary>
    /// Names an accumulator for each reduction of a pass and writes, in <paramref name="context"/>, the statement that
    /// folds one class into it (<paramref name="type"/>.Max/Min: T for scalars, Vector256 for lanes).
    /// </summary>
    private List<(Node Node, string Name)> Accumulate(List<Node> pass, Context context, string type)
    {
        var accumulators = pass.Select(r => (Node: r, Name: Fresh(r.Function!.Reduce switch { ReduceKind.Sum => "sum", ReduceKind.Max => "max", _ => "min" }))).ToList();
        foreach ((Node reduction, string name) in accumulators)
        {
            string value = Value(reduction.Args[0], context);
            context.Writer.Line(reduction.Function!.Reduce switch
            {
                ReduceKind.Sum => $"{name} += {value};",
                ReduceKind.Max => $"{name} = {type}.{(type == "T" ? "Max" : VectorMax(reduction))}({name}, {value});",
                _ => $"{name} = {type}.Min({name}, {value});",
            });
        }

        return accumulators;
    }

    /// <summary>Vector max for a reduction: the hardware's where NaN order does not matter (<see cref="Functions.ShiftMax"/>).</summary>
    private static string VectorMax(Node reduction) => reduction.Function == Functions.ShiftMax ? "MaxNative" : "Max";

    private static string Init(Node reduction) => reduction.Function!.Reduce switch
    {
        ReduceKind.Sum => "T.Zero",
        ReduceKind.Max => "T.NegativeInfinity",
        _ => "T.PositiveInfinity",
    };

    /// <summary>
    /// Writes a loop over the class axis: the vector loop (if any) under its run-time condition, then the scalar loop
    /// for whatever classes remain. <paramref name="body"/> is indented two levels below the row, the vector block too.
    /// </summary>
    private void EmitClassLoop(IndentedWriter body, IndentedWriter? vector, string? condition)
    {
        if (vector is null)
        {
            _rowWriter.Line("for (nint c = 0; c < classes; c++)");
            _rowWriter.Line("{");
            _rowWriter.Raw(Reindent(body, -1));
            _rowWriter.Line("}");
            return;
        }

        _rowWriter.Line("{");
        _rowWriter.Open();
        _rowWriter.Line("nint c = 0;");
        _rowWriter.Line($"if ({condition})");
        _rowWriter.Raw(vector);
        _rowWriter.Line();
        _rowWriter.Line("for (; c < classes; c++)");
        _rowWriter.Line("{");
        _rowWriter.Raw(body);
        _rowWriter.Line("}");
        _rowWriter.Close();
    }

    private static IndentedWriter Reindent(IndentedWriter writer, int levels)
    {
        var result = new IndentedWriter();
        string pad = new string(' ', 4 * System.Math.Abs(levels));
        foreach (string line in writer.ToString().Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            result.Line(levels < 0 && line.StartsWith(pad, StringComparison.Ordinal) ? line.Substring(pad.Length) : pad + line);
        }

        return result;
    }

    /// <summary>
    /// The run-time condition for the vector loop over <paramref name="values"/> (and the tensors written), or null
    /// when some function on the way has no vector form.
    /// </summary>
    private string? VectorCondition(IEnumerable<Node> values, IEnumerable<string> written)
    {
        var tensors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string name in written)
        {
            tensors.Add(name);
        }

        var seen = new HashSet<Node>();
        var stack = new Stack<Node>(values);
        while (stack.Count > 0)
        {
            Node node = stack.Pop();
            if (IsBroadcast(node) || !seen.Add(node))
            {
                continue;
            }

            switch (node.Op)
            {
                case Op.Input:
                    tensors.Add(node.Name);
                    break;
                case Op.Seed:
                    tensors.Add("dloss");
                    break;
                case Op.Call when node.Function!.Vector is null || node.IsReduction:
                    return null;
            }

            foreach (Node arg in node.Args)
            {
                stack.Push(arg);
            }
        }

        return "Vector256.IsHardwareAccelerated" + string.Concat(tensors.Select(t => $" && {t}Stride == 1"));
    }

    /// <summary>The gradient the final pass writes: <see cref="KernelPlan.Dx"/>, or its part without a one-hot term.</summary>
    private Node? _dxValue;

    /// <summary>The loss of the position, then the pass that writes the elementwise outputs.</summary>
    private void EmitFinal()
    {
        if (_outputs.Loss && !Elementwise)
        {
            string value = Value(_plan.Loss!, null);
            _rowWriter.Line((ReducedLoss, _lanes) switch
            {
                (true, false) => $"total += double.CreateTruncating({value});",
                (true, true) => $"total += double.CreateTruncating(Vector256.Sum({value}));",
                (false, false) => $"Unsafe.Add(ref lossRef, lossOffset) = {value};",
                _ => $"{value}.StoreUnsafe(ref lossRef, (nuint)lossOffset);",
            });
        }

        bool elementwiseLoss = _outputs.Loss && Elementwise;
        if (!elementwiseLoss && !_outputs.Dx && !_outputs.Dy)
        {
            return;
        }

        _dxValue = _plan.Dx;
        Node? correction = null;
        if (!_lanes && _decisions.Split is { } split)
        {
            _dxValue = split.Main;
            correction = split.AtTarget;
        }

        IndentedWriter body = Flat ? _rowWriter : new IndentedWriter(_rowWriter.Indent + 2);
        var context = new Context(Flat ? Place.Flat : Place.Class, body);
        foreach (string write in FinalWrites(context))
        {
            body.Line(write);
        }

        if (Flat || _lanes)
        {
            if (_lanes && !Flat)
            {
                _rowWriter.Line("for (nint c = 0; c < classes; c++)");
                _rowWriter.Line("{");
                _rowWriter.Raw(Reindent(body, -1));
                _rowWriter.Line("}");
            }

            _dxValue = null;
            return;
        }

        var values = new List<Node>();
        var written = new List<string>();
        if (elementwiseLoss)
        {
            values.Add(_plan.Loss!);
            if (!ReducedLoss)
            {
                written.Add("loss");
            }
        }

        if (_outputs.Dx)
        {
            values.Add(_dxValue!);
            written.Add("dx");
        }

        if (_outputs.Dy)
        {
            values.Add(_plan.Dy!);
            written.Add("dy");
        }

        IndentedWriter? vector = null;
        string? condition = VectorCondition(values, written);
        if (condition is not null)
        {
            int indent = _rowWriter.Indent;
            vector = new IndentedWriter(indent + 1);
            vector.Line("{");
            vector.Open();
            var vectorContext = new Context(Place.Vector, new IndentedWriter(indent + 3));
            foreach (string write in FinalWrites(vectorContext))
            {
                vectorContext.Writer.Line(write);
            }

            vector.Line($"for (; c <= classes - {VectorCount}; c += {VectorCount})");
            vector.Line("{");
            vector.Raw(vectorContext.Writer);
            vector.Line("}");
            EmitTail(vector, () =>
            {
                var tailContext = new Context(Place.Vector, new IndentedWriter(indent + 3));
                foreach (string write in FinalWrites(tailContext))
                {
                    tailContext.Writer.Line(write);
                }

                return tailContext.Writer;
            });
            vector.Close();
        }

        EmitClassLoop(body, vector, condition);
        if (correction is not null)
        {
            _rowWriter.Line($"Unsafe.Add(ref dxRef, dxOffset + target * dxStride) -= {Value(correction, null)};");
        }

        _dxValue = null;
    }

    /// <summary>
    /// The statements of the final pass in <paramref name="context"/>: everything is read and computed first, then
    /// written, because dx may be x itself.
    /// </summary>
    private List<string> FinalWrites(Context context)
    {
        if (_decisions.Cache is not null && !_lanes && context.Place is Place.Class or Place.Vector)
        {
            string name = Fresh(Stem(_decisions.Cache.Function!)) + (context.Place == Place.Vector ? "Lanes" : string.Empty);
            string formula = Printer.Print(_decisions.Cache);
            string note = formula.Length <= 60 && formula.IndexOfAny(new[] { '\r', '\n' }) < 0 ? formula + ", stored" : "stored";
            context.Writer.Line(context.Place == Place.Vector
                ? $"Vector256<T> {name} = {VectorLoad("dx", "dxOffset + c")}; // {note} by pass {_decisions.CachePass + 1}"
                : $"T {name} = Unsafe.Add(ref dxRef, dxOffset + c * dxStride); // {note} by pass {_decisions.CachePass + 1}");
            context.Names[_decisions.Cache] = name;
        }

        bool vector = context.Place == Place.Vector || _lanes;
        string Store(string tensor, string value) => (context.Place, _lanes) switch
        {
            (Place.Vector, _) => VectorStore(value, tensor, $"{tensor}Offset + c"),
            (Place.Block, _) => $"{value}.StoreUnsafe(ref {tensor}Ref, {BlockOffset(tensor)});",
            (Place.Flat, true) => $"{value}.StoreUnsafe(ref {tensor}Ref, (nuint){tensor}Offset);",
            (_, true) => $"global::LossGen.Internal.VectorOps.Scatter({value}, ref Unsafe.Add(ref {tensor}Ref, {tensor}Offset + {_classIndex}), {RowLength});",
            _ => $"{Read(tensor, context.Place)} = {value};",
        };

        var writes = new List<string>();
        if (_outputs.Loss && Elementwise)
        {
            string value = Value(_plan.Loss!, context);
            string lanes = _tailMask is null || context.Place != Place.Vector ? value : $"Vector256.ConditionalSelect({_tailMask}, {value}, Vector256<T>.Zero)";
            writes.Add(!ReducedLoss ? Store("loss", value) : vector ? $"total += double.CreateTruncating(Vector256.Sum({lanes}));" : $"total += double.CreateTruncating({value});");
        }

        if (_outputs.Dx)
        {
            writes.Add(Store("dx", Value(_dxValue ?? _plan.Dx!, context)));
        }

        if (_outputs.Dy)
        {
            writes.Add(Store("dy", Value(_plan.Dy!, context)));
        }

        return writes;
    }

    private sealed class Context
    {
        public Context(Place place, IndentedWriter writer)
        {
            Place = place;
            Writer = writer;
        }

        public Place Place { get; }

        public IndentedWriter Writer { get; }

        public Dictionary<Node, string> Names { get; } = new();

        /// <summary>In a flat block: the name of the targets spread over the block's elements, once made.</summary>
        public string? Targets { get; set; }
    }

    /// <summary>
    /// The C# name of <paramref name="target"/>'s value, defining whatever it needs that is not defined yet, each at the
    /// outermost place it can live. Iterative: graph depth never becomes stack depth.
    /// </summary>
    private string Value(Node target, Context? context)
    {
        foreach (Node node in Needed(target, context))
        {
            if (NameOf(node, context) is null)
            {
                Define(node, context);
            }
        }

        return NameOf(target, context) ?? throw new InvalidOperationException("no value for " + target);
    }

    private List<Node> Needed(Node target, Context? context)
    {
        var order = new List<Node>();
        var seen = new HashSet<Node>();
        var stack = new Stack<(Node Node, int Next)>();
        stack.Push((target, 0));
        seen.Add(target);
        while (stack.Count > 0)
        {
            (Node node, int next) = stack.Pop();
            bool leaf = NameOf(node, context) is not null || node.Op == Op.Pick || node.IsReduction
                || (context?.Place == Place.Vector && IsBroadcast(node))
                || (_lanes && IsLaneBroadcast(node))
                || (context?.Place == Place.Block && node.Shape == Shape.Row);
            if (!leaf && next < node.Args.Length)
            {
                stack.Push((node, next + 1));
                Node arg = node.Args[next];
                if (seen.Add(arg))
                {
                    stack.Push((arg, 0));
                }
            }
            else
            {
                order.Add(node);
            }
        }

        return order;
    }

    private string? NameOf(Node node, Context? context)
    {
        if (_lanes)
        {
            return LaneName(node, context);
        }

        if (context?.Place == Place.Vector)
        {
            if (node.IsConst(0))
            {
                return "Vector256<T>.Zero";
            }

            if (node.IsConst(1))
            {
                return "Vector256<T>.One";
            }

            if (!IsBroadcast(node))
            {
                return context.Names.TryGetValue(node, out string? lanes) ? lanes : null;
            }

            return _scalarVectors.TryGetValue(node, out string? broadcast) || _rowVectors.TryGetValue(node, out broadcast) ? broadcast : null;
        }

        if (node.IsConst(0))
        {
            return "T.Zero";
        }

        if (node.IsConst(1))
        {
            return "T.One";
        }

        if (node.Op == Op.Param)
        {
            return KernelParameter(node.Name);
        }

        if (_scalarNames.TryGetValue(node, out string? name) || _rowNames.TryGetValue(node, out name))
        {
            return name;
        }

        if (context is null)
        {
            return null;
        }

        if (context.Place == Place.Pick)
        {
            return _pickNames.TryGetValue(node, out name) ? name : null;
        }

        return context.Names.TryGetValue(node, out name) ? name : null;
    }

    private void Define(Node node, Context? context)
    {
        if (_lanes)
        {
            DefineLane(node, context);
            return;
        }

        if (context?.Place == Place.Vector)
        {
            DefineVector(node, context);
            return;
        }

        switch (node.Op)
        {
            case Op.Const:
            {
                string name = Fresh("k");
                _scalars.Line($"T {name} = T.CreateTruncating({Literal(node.Value)});");
                _scalarNames[node] = name;
                return;
            }

            case Op.Seed:
                // Reduction.None with an elementwise loss: the upstream gradient of each element.
                Bind(node, context, Fresh("seed"), Read("dloss", context!.Place));
                return;

            case Op.ClassCount:
                _scalars.Line("T classCount = T.CreateTruncating(classes);");
                _scalarNames[node] = "classCount";
                return;

            case Op.Pick:
            {
                var pick = new Context(Place.Pick, _rowWriter);
                _rowNames[node] = Value(node.Args[0], pick);
                return;
            }

            case Op.OneHot:
                if (context!.Place == Place.Pick)
                {
                    _pickNames[node] = "T.One";
                }
                else
                {
                    Bind(node, context, Fresh("oneHot"), "c == target ? T.One : T.Zero");
                }

                return;

            case Op.Input:
            {
                InputSpec? input = _loss.Inputs.FirstOrDefault(i => i.Name == node.Name);
                string read = input is not null && input.Layout == InputLayout.PerClass
                    ? $"Unsafe.Add(ref {node.Name}Ref, {(context!.Place == Place.Pick ? "target" : "c")} * {node.Name}Stride)"
                    : Read(node.Name, context!.Place);
                Bind(node, context, Fresh(node.Name), read);
                return;
            }

            case Op.Call when !node.IsReduction:
            {
                string[] args = node.Args.Select(a => NameOf(a, context) ?? throw new InvalidOperationException("argument not defined: " + a)).ToArray();
                string expression = Format(node.Function!.CSharp!, args);
                Bind(node, context, Fresh(Stem(node.Function)), expression);
                return;
            }

            default:
                throw new InvalidOperationException("cannot define " + node.Op + " here: " + node);
        }
    }

    /// <summary>With positions in lanes, values the same for every position (constants, hyper-parameters) are broadcast.</summary>
    private bool IsLaneBroadcast(Node node) => node.Shape == Shape.Scalar || (node.Op == Op.Seed && ReducedLoss);

    private string? LaneName(Node node, Context? context)
    {
        if (node.IsConst(0))
        {
            return "Vector256<T>.Zero";
        }

        if (node.IsConst(1))
        {
            return "Vector256<T>.One";
        }

        if (IsLaneBroadcast(node))
        {
            return _scalarVectors.TryGetValue(node, out string? broadcast) || _rowVectors.TryGetValue(node, out broadcast) ? broadcast : null;
        }

        if (context?.Place == Place.Block)
        {
            return context.Names.TryGetValue(node, out string? spread) ? spread : null;
        }

        if (_rowNames.TryGetValue(node, out string? name))
        {
            return name;
        }

        if (context is null)
        {
            return null;
        }

        return context.Place == Place.Pick
            ? (_pickNames.TryGetValue(node, out name) ? name : null)
            : (context.Names.TryGetValue(node, out name) ? name : null);
    }

    /// <summary>Defines a node for a block of positions in lanes.</summary>
    private void DefineLane(Node node, Context? context)
    {
        if (IsLaneBroadcast(node))
        {
            _lanes = false;
            string scalar = Value(node, null);
            _lanes = true;
            bool identifier = scalar.All(ch => char.IsLetterOrDigit(ch) || ch == '_');
            string name = identifier ? scalar + "Lanes" : Fresh("broadcast") + "Lanes";
            if (node.Op == Op.Seed)
            {
                // The seed is computed after the denominator pass, so it is broadcast where it is used.
                _rowWriter.Line($"Vector256<T> {name} = Vector256.Create({scalar});");
                _rowVectors[node] = name;
                return;
            }

            if (!_scalarVectors.ContainsValue(name))
            {
                _scalars.Line($"Vector256<T> {name} = Vector256.Create({scalar});");
            }

            _scalarVectors[node] = name;
            return;
        }

        Place place = context?.Place ?? Place.Class;
        bool perClass = node.Op == Op.Input && _loss.Inputs.FirstOrDefault(i => i.Name == node.Name)?.Layout == InputLayout.PerClass;
        if (place == Place.Block)
        {
            DefineBlock(node, context!, perClass);
            return;
        }

        string expression;
        switch (node.Op)
        {
            case Op.Pick when _unrolled is not null:
            {
                // The value at the target class, chosen among the classes' values already in registers.
                string pick = Fresh("pick") + "Lanes";
                string outer = _classIndex;
                _classIndex = "0";
                _rowWriter.Line($"Vector256<T> {pick} = {Value(node.Args[0], _unrolled[0])};");
                for (int c = 1; c < _unrolled.Length; c++)
                {
                    _classIndex = c.ToString(CultureInfo.InvariantCulture);
                    string value = Value(node.Args[0], _unrolled[c]);
                    _rowWriter.Line($"{pick} = global::LossGen.Internal.VectorOps.Choose(targetLanes, T.CreateTruncating({_classIndex}), {value}, {pick});");
                }

                _classIndex = outer;
                _rowNames[node] = pick;
                return;
            }

            case Op.Pick:
                _rowNames[node] = Value(node.Args[0], new Context(Place.Pick, _rowWriter));
                return;
            case Op.Input when perClass:
                expression = place == Place.Pick
                    ? $"global::LossGen.Internal.VectorOps.GatherPick(ref {node.Name}Ref, 0, targetLanes, {node.Name}Stride)"
                    : $"Vector256.Create(Unsafe.Add(ref {node.Name}Ref, {_classIndex} * {node.Name}Stride))";
                break;
            case Op.Input:
            case Op.Seed:
                string tensor = node.Op == Op.Seed ? "dloss" : node.Name;
                expression = place switch
                {
                    Place.Flat => $"Vector256.LoadUnsafe(ref {tensor}Ref, (nuint){tensor}Offset)",
                    Place.Pick => $"global::LossGen.Internal.VectorOps.GatherPick(ref Unsafe.Add(ref {tensor}Ref, {tensor}Offset), {RowLength}, targetLanes, 1)",
                    _ => $"global::LossGen.Internal.VectorOps.Gather(ref Unsafe.Add(ref {tensor}Ref, {tensor}Offset + {_classIndex}), {RowLength})",
                };
                break;
            case Op.OneHot:
                if (place == Place.Pick)
                {
                    _pickNames[node] = "Vector256<T>.One";
                    return;
                }

                expression = $"global::LossGen.Internal.VectorOps.Equal(Vector256.Create(T.CreateTruncating({_classIndex})), targetLanes)";
                break;
            case Op.Call when !node.IsReduction && node.Function!.Vector is not null:
                expression = Format(node.Function.Vector, node.Args.Select(a => NameOf(a, context) ?? throw new InvalidOperationException("argument not defined: " + a)).ToArray());
                break;
            default:
                throw new InvalidOperationException("cannot define " + node + " in lanes");
        }

        string stem = node.Op switch
        {
            Op.Input => node.Name,
            Op.Seed => "seed",
            Op.OneHot => "oneHot",
            _ => Stem(node.Function!),
        };
        string lanes = Fresh(stem) + "Lanes";
        string line = $"Vector256<T> {lanes} = {expression};";
        if (node.Shape == Shape.Row)
        {
            _rowWriter.Line(line);
            _rowNames[node] = lanes;
        }
        else if (place == Place.Pick)
        {
            _rowWriter.Line(line);
            _pickNames[node] = lanes;
        }
        else
        {
            context!.Writer.Line(line);
            context.Names[node] = lanes;
        }
    }

    /// <summary>Defines a node in flat vector k of an unrolled lane row.</summary>
    private void DefineBlock(Node node, Context context, bool perClass)
    {
        string expression;
        string stem;
        if (node.Shape == Shape.Row)
        {
            // A row value (in lanes: one per row) spread over the elements of its row.
            string rows = Value(node, null);
            expression = $"global::LossGen.Internal.VectorOps.Expand({rows}, {BlockConstant("ExpandIndices", _blockIndex)})";
            stem = rows.EndsWith("Lanes", StringComparison.Ordinal) ? rows.Substring(0, rows.Length - 5) : rows;
            string spread = $"{stem}Flat{_blockIndex.ToString(CultureInfo.InvariantCulture)}";
            context.Writer.Line($"Vector256<T> {spread} = {expression};");
            context.Names[node] = spread;
            return;
        }

        switch (node.Op)
        {
            case Op.Input when perClass:
                expression = $"global::LossGen.Internal.VectorOps.GatherPick(ref {node.Name}Ref, 0, {BlockConstant("ClassIndices", _blockIndex)}, {node.Name}Stride)";
                stem = node.Name;
                break;
            case Op.Input:
            case Op.Seed:
                string tensor = node.Op == Op.Seed ? "dloss" : node.Name;
                expression = $"Vector256.LoadUnsafe(ref {tensor}Ref, {BlockOffset(tensor)})";
                stem = node.Op == Op.Seed ? "seed" : node.Name;
                break;
            case Op.OneHot:
                expression = $"global::LossGen.Internal.VectorOps.Equal({BlockConstant("ClassIndices", _blockIndex)}, {BlockTargets(context)})";
                stem = "oneHot";
                break;
            case Op.Call when !node.IsReduction && node.Function!.Vector is not null:
                expression = Format(node.Function.Vector, node.Args.Select(a => NameOf(a, context) ?? throw new InvalidOperationException("argument not defined: " + a)).ToArray());
                stem = Stem(node.Function);
                break;
            default:
                throw new InvalidOperationException("cannot define " + node + " in a flat block");
        }

        string name = Fresh(stem) + "Flat";
        context.Writer.Line($"Vector256<T> {name} = {expression};");
        context.Names[node] = name;
    }

    /// <summary>In a vector loop, a value the same for every class of the row (broadcast), not one per lane.</summary>
    private bool IsBroadcast(Node node) => node.Shape != Shape.Class || (node.Op == Op.Seed && ReducedLoss);

    /// <summary>Defines a node in a vector loop: class-shaped values as lanes, anything else broadcast once outside.</summary>
    private void DefineVector(Node node, Context context)
    {
        if (IsBroadcast(node))
        {
            string scalar = Value(node, null);
            bool identifier = scalar.All(ch => char.IsLetterOrDigit(ch) || ch == '_');
            string name = identifier ? scalar + "Lanes" : Fresh("broadcast") + "Lanes";
            string line = $"Vector256<T> {name} = Vector256.Create({scalar});";
            if (node.Shape == Shape.Scalar)
            {
                _scalars.Line(line);
                _scalarVectors[node] = name;
            }
            else
            {
                _rowWriter.Line(line);
                _rowVectors[node] = name;
            }

            return;
        }

        string expression = node.Op switch
        {
            Op.Input when _loss.Inputs.FirstOrDefault(i => i.Name == node.Name)?.Layout == InputLayout.PerClass
                => VectorLoad(node.Name, _vectorIndex),
            Op.Input => VectorLoad(node.Name, $"{node.Name}Offset + {_vectorIndex}"),
            Op.Seed => VectorLoad("dloss", $"dlossOffset + {_vectorIndex}"),
            Op.OneHot => $"global::LossGen.Internal.VectorOps.OneHot<T>({_vectorIndex}, target)",
            Op.Call => Format(node.Function!.Vector!, node.Args.Select(a => NameOf(a, context) ?? throw new InvalidOperationException("argument not defined: " + a)).ToArray()),
            _ => throw new InvalidOperationException("no vector form for " + node),
        };
        string stem = node.Op switch
        {
            Op.Input => node.Name,
            Op.Seed => "seed",
            Op.OneHot => "oneHot",
            _ => Stem(node.Function!),
        };
        string lanes = Fresh(stem) + "Lanes";
        context.Writer.Line($"Vector256<T> {lanes} = {expression};");
        context.Names[node] = lanes;
    }

    /// <summary>Declares <paramref name="name"/> at the outermost place <paramref name="node"/>'s shape allows.</summary>
    private void Bind(Node node, Context? context, string name, string expression)
    {
        if (node.Shape == Shape.Scalar && node.Op != Op.Input && node.Op != Op.OneHot)
        {
            _scalars.Line($"T {name} = {expression};");
            _scalarNames[node] = name;
        }
        else if (node.Shape == Shape.Row)
        {
            _rowWriter.Line($"T {name} = {expression};");
            _rowNames[node] = name;
        }
        else if (context!.Place == Place.Pick)
        {
            _rowWriter.Line($"T {name} = {expression};");
            _pickNames[node] = name;
        }
        else
        {
            context.Writer.Line($"T {name} = {expression};");
            context.Names[node] = name;
        }
    }

    private static string Read(string tensor, Place place) => place switch
    {
        Place.Class => $"Unsafe.Add(ref {tensor}Ref, {tensor}Offset + c * {tensor}Stride)",
        Place.Pick => $"Unsafe.Add(ref {tensor}Ref, {tensor}Offset + target * {tensor}Stride)",
        _ => $"Unsafe.Add(ref {tensor}Ref, {tensor}Offset)",
    };

    private string Fresh(string stem)
    {
        _stems.TryGetValue(stem, out int count);
        _stems[stem] = count + 1;
        return stem + (count + 1).ToString(CultureInfo.InvariantCulture);
    }

    private static string Stem(Function f) => f.Name switch
    {
        "+" => "add",
        "-" => "diff",
        "*" => "prod",
        "/" => "ratio",
        "^" => "pow",
        _ => Identifiers.Camel(f.Name),
    };

    private static string Format(string template, string[] args)
    {
        string result = template
            .Replace("VectorOps.", "global::LossGen.Internal.VectorOps#")
            .Replace("VectorMath.", "global::LossGen.Internal.VectorMath#")
            .Replace("Ops.", "global::LossGen.Internal.Ops.")
            .Replace("#", ".");
        for (int i = 0; i < args.Length; i++)
        {
            result = result.Replace("{" + i.ToString(CultureInfo.InvariantCulture) + "}", args[i]);
        }

        return result;
    }

    public static string Literal(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains(".") || text.Contains("E") ? text : text + ".0";
    }
}
