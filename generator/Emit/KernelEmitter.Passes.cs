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

/// <summary>The kernel writer: the passes over the class axis of one row, and the final pass that writes the outputs.</summary>
internal sealed partial class KernelEmitter
{
    /// <summary>
    /// One loop over the class axis per pass; the reductions of a pass share its loop. Where the class axis is
    /// contiguous and every function has a vector form, a vector loop runs, ending with a masked step for the classes
    /// left (<see cref="EmitTail"/>); otherwise a scalar loop does the row.
    /// </summary>
    private void EmitPasses(Row row, List<List<Node>> passes)
    {
        for (int p = 0; p < passes.Count; p++)
        {
            List<Node> pass = passes[p];
            bool caches = _decisions.Cache is not null && passes == _plan.Passes && p == _decisions.CachePass;
            bool prefetches = passes == _plan.Passes && p == _decisions.PrefetchPass;
            string? passGuard = PassGuard(pass);
            int indent = row.Writer.Indent + (passGuard is null ? 0 : 1);
            var body = new IndentedWriter(indent + 2);
            Context context = row.At(Place.Class, body);
            List<(Node Node, string Name)> accumulators = Accumulate(pass, context, "T", passGuard is null);
            if (caches)
            {
                body.Line($"Unsafe.Add(ref dxRef, dxOffset + c * dxStride) = {Value(_decisions.Cache!, context)};");
            }

            IndentedWriter? vector = null;
            // The weight passes (mean_by's denominator) run once per call in the kernel method, outside the pieces that
            // are generic over the width: their loops are scalar.
            string? condition = passes == _plan.Passes ? StrideCondition(_decisions.PassStrides[p]) : null;
            if (condition is not null)
            {
                vector = new IndentedWriter(indent + 1);
                vector.Line("{");
                vector.Open();

                // One vector of classes at index c into the partials with the given suffix.
                IndentedWriter Body(string index, string suffix, string? mask = null)
                {
                    var vectorContext = new Context(row, Place.Vector, new IndentedWriter(indent + 3)) { VectorIndex = index, TailMask = mask };
                    foreach ((Node reduction, string name) in accumulators)
                    {
                        string value = Value(reduction.Args[0], vectorContext);
                        string partials = name + "Partials" + suffix;
                        string folded = reduction.Function!.Reduce switch
                        {
                            ReduceKind.Sum => $"{V}.Add({partials}, {value})",
                            ReduceKind.Max => $"{V}.{VectorMax(reduction)}({partials}, {value})",
                            _ => $"{V}.Min({partials}, {value})",
                        };
                        vectorContext.Writer.Line(Guarded(passGuard is null ? Guard(_decisions.NeededBy(reduction)) : null, mask is not null
                            ? $"{partials} = {V}.ConditionalSelect({mask}, {folded}, {partials});"
                            : $"{partials} = {folded};"));
                    }

                    if (caches)
                    {
                        vectorContext.Writer.Line(VectorStore(vectorContext, Value(_decisions.Cache!, vectorContext), "dx", $"dxOffset + {index}"));
                    }

                    if (prefetches && mask is null)
                    {
                        foreach (string name in _decisions.Prefetched)
                        {
                            vectorContext.Writer.Line($"global::LossGen.Internal.VectorOps.Prefetch(ref Unsafe.Add(ref {name}Ref, {name}Next + {index}));");
                        }
                    }

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
                    vector.Line($"{VectorType} {name}Partials = {V}.Create({Init(reduction)});");
                    vector.Line($"{VectorType} {name}Partials2 = {V}.Create({Init(reduction)});");
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
                EmitTail(vector, mask => Body("c", string.Empty, mask));
                foreach ((Node reduction, string name) in accumulators)
                {
                    vector.Line(reduction.Function!.Reduce switch
                    {
                        ReduceKind.Sum => $"{name}Partials = {V}.Add({name}Partials, {name}Partials2);",
                        ReduceKind.Max => $"{name}Partials = {V}.{VectorMax(reduction)}({name}Partials, {name}Partials2);",
                        _ => $"{name}Partials = {V}.Min({name}Partials, {name}Partials2);",
                    });
                }

                foreach ((Node reduction, string name) in accumulators)
                {
                    vector.Line(reduction.Function!.Reduce switch
                    {
                        ReduceKind.Sum => $"{name} = {V}.Sum({name}Partials);",
                        ReduceKind.Max => $"{name} = {V}.MaxAcross({name}Partials);",
                        _ => $"{name} = {V}.MinAcross({name}Partials);",
                    });
                }

                vector.Close();
            }

            row.Writer.Line($"// {(passes == _plan.Passes ? "Pass" : "Weight pass")} {(p + 1).ToString(CultureInfo.InvariantCulture)} over the classes: {string.Join(", ", pass.Select(r => Printer.Print(r)))}");
            foreach ((Node reduction, string name) in accumulators)
            {
                row.Writer.Line($"T {name} = {Init(reduction)};");
            }

            using (passGuard is null ? null : row.Writer.Block($"if ({passGuard})"))
            {
                EmitClassLoop(row.Writer, body, vector, condition);
            }

            foreach ((Node reduction, string name) in accumulators)
            {
                row.Names[reduction] = name;
            }
        }
    }

    /// <summary>
    /// The guard of a whole pass: when none of its reductions serves dx, the loop runs only for the outputs they serve
    /// (a pass for the loss alone is skipped by <c>Backward</c>). Null otherwise.
    /// </summary>
    private string? PassGuard(List<Node> pass) =>
        Guard(pass.Aggregate(OutputSet.None, (needs, reduction) => needs | _decisions.NeededBy(reduction)));

    /// <summary>
    /// Names an accumulator for each reduction of a pass and writes, in <paramref name="context"/>, the statement that
    /// folds one class into it (<paramref name="type"/>.Max/Min: T for scalars, the width for lanes).
    /// </summary>
    private List<(Node Node, string Name)> Accumulate(List<Node> pass, Context context, string type, bool guarded)
    {
        var accumulators = pass.Select(r => (Node: r, Name: Fresh(r.Function!.Reduce switch { ReduceKind.Sum => "sum", ReduceKind.Max => "max", _ => "min" }))).ToList();
        foreach ((Node reduction, string name) in accumulators)
        {
            string value = Value(reduction.Args[0], context);
            context.Writer.Line(Guarded(guarded ? Guard(_decisions.NeededBy(reduction)) : null, reduction.Function!.Reduce switch
            {
                ReduceKind.Sum => type == "T" ? $"{name} += {value};" : $"{name} = {type}.Add({name}, {value});",
                ReduceKind.Max => $"{name} = {type}.{(type == "T" ? "Max" : VectorMax(reduction))}({name}, {value});",
                _ => $"{name} = {type}.Min({name}, {value});",
            }));
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
    private static void EmitClassLoop(IndentedWriter w, IndentedWriter body, IndentedWriter? vector, string? condition)
    {
        if (vector is null)
        {
            w.Line("for (nint c = 0; c < classes; c++)");
            w.Line("{");
            w.Raw(Reindent(body, -1));
            w.Line("}");
            return;
        }

        w.Line("{");
        w.Open();
        w.Line("nint c = 0;");
        if (condition!.Length > 0)
        {
            w.Line($"if ({condition})");
        }

        w.Raw(vector);
        w.Line();
        w.Line("for (; c < classes; c++)");
        w.Line("{");
        w.Raw(body);
        w.Line("}");
        w.Close();
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
    /// The run-time condition of a vector loop that the plan chose (<see cref="KernelDecisions.PassStrides"/>): every
    /// tensor it reads or writes contiguous along the class axis. Null for a scalar loop; empty when the vector loop
    /// always runs (every value broadcast, nothing written).
    /// </summary>
    private static string? StrideCondition(IReadOnlyList<string>? tensors) =>
        tensors is null ? null : string.Join(" && ", tensors.Select(t => $"{t}Stride == 1"));

    /// <summary>The loss of the position, then the pass that writes the elementwise outputs.</summary>
    private void EmitFinal(Row row)
    {
        if (_outputs.Loss && !Elementwise)
        {
            string value = Value(_plan.Loss!, row.Top);
            row.Writer.Line(Guarded(TensorGuard("loss"), (ReducedLoss, row.Lanes) switch
            {
                (true, false) => $"total += double.CreateTruncating({value});",
                (true, true) => $"total += double.CreateTruncating({V}.Sum({value}));",
                (false, false) => $"Unsafe.Add(ref lossRef, lossOffset) = {value};",
                _ => $"{V}.StoreUnsafe({value}, ref lossRef, (nuint)lossOffset);",
            }));
        }

        // The gradients of per-position inputs: one value per row, from the row's values.
        foreach (PlannedGradient other in _plan.Others.Where(o => o.PerRow))
        {
            string value = Value(other.Value, row.Top);
            row.Writer.Line(row.Lanes
                ? $"{V}.StoreUnsafe({value}, ref {other.Tensor}Ref, (nuint){other.Tensor}Offset);"
                : $"Unsafe.Add(ref {other.Tensor}Ref, {other.Tensor}Offset) = {value};");
        }

        bool elementwiseLoss = _outputs.Loss && Elementwise;
        if (!elementwiseLoss && !_outputs.Dx && _decisions.FinalOutputs.Count == 0)
        {
            return;
        }

        // In rows one at a time, a gradient with a one-hot term is written without it, then corrected at the target.
        Node? dx = _plan.Dx;
        Node? correction = null;
        if (!row.Lanes && _decisions.Split is { } split)
        {
            dx = split.Main;
            correction = split.AtTarget;
        }

        IndentedWriter body = Flat ? row.Writer : new IndentedWriter(row.Writer.Indent + 2);
        foreach (string write in FinalWrites(row.At(Flat ? Place.Flat : Place.Class, body), dx))
        {
            body.Line(write);
        }

        if (Flat || row.Lanes)
        {
            if (row.Lanes && !Flat)
            {
                row.Writer.Line("for (nint c = 0; c < classes; c++)");
                row.Writer.Line("{");
                row.Writer.Raw(Reindent(body, -1));
                row.Writer.Line("}");
            }

            return;
        }

        row.Writer.Line("// Final pass over the classes: " + string.Join("; ", _decisions.FinalOutputs.Select(o => o.Tensor + " = " + Printer.Print(o.Value))));
        IndentedWriter? vector = null;
        string? condition = StrideCondition(_decisions.FinalStrides);
        if (condition is not null)
        {
            int indent = row.Writer.Indent;
            vector = new IndentedWriter(indent + 1);
            vector.Line("{");
            vector.Open();

            // One vector of classes at c (under the tail's mask in the masked step).
            IndentedWriter Step(string? mask)
            {
                var vectorContext = new Context(row, Place.Vector, new IndentedWriter(indent + 3)) { TailMask = mask };
                foreach (string write in FinalWrites(vectorContext, dx))
                {
                    vectorContext.Writer.Line(write);
                }

                return vectorContext.Writer;
            }

            vector.Line($"for (; c <= classes - {VectorCount}; c += {VectorCount})");
            vector.Line("{");
            vector.Raw(Step(null));
            vector.Line("}");
            EmitTail(vector, Step);
            vector.Close();
        }

        EmitClassLoop(row.Writer, body, vector, condition);
        if (correction is not null)
        {
            row.Writer.Line($"Unsafe.Add(ref dxRef, dxOffset + target * dxStride) -= {Value(correction, row.Top)};");
        }
    }

    /// <summary>
    /// The statements of the final pass in <paramref name="context"/>: everything is read and computed first, then
    /// written, because dx may be x itself.
    /// </summary>
    private List<string> FinalWrites(Context context, Node? dx)
    {
        if (_decisions.Cache is not null && !context.Lanes && context.Place is Place.Class or Place.Vector)
        {
            string name = Fresh(Stem(_decisions.Cache.Function!)) + (context.Place == Place.Vector ? "Lanes" : string.Empty);
            string formula = Printer.Print(_decisions.Cache);
            string note = formula.Length <= 60 && formula.IndexOfAny(new[] { '\r', '\n' }) < 0 ? formula + ", stored" : "stored";
            context.Writer.Line(context.Place == Place.Vector
                ? $"{VectorType} {name} = {VectorLoad(context, "dx", "dxOffset + c")}; // {note} by pass {_decisions.CachePass + 1}"
                : $"T {name} = Unsafe.Add(ref dxRef, dxOffset + c * dxStride); // {note} by pass {_decisions.CachePass + 1}");
            context.Names[_decisions.Cache] = name;
        }

        bool vector = context.Place == Place.Vector || context.Lanes;
        string Store(string tensor, string value) => (context.Place, context.Lanes) switch
        {
            (Place.Vector, _) => VectorStore(context, value, tensor, $"{tensor}Offset + c"),
            (Place.Block, _) => $"{V}.StoreUnsafe({value}, ref {tensor}Ref, {BlockOffset(context, tensor)});",
            (Place.Flat, true) => $"{V}.StoreUnsafe({value}, ref {tensor}Ref, (nuint){tensor}Offset);",
            (_, true) => $"{V}.Scatter({value}, ref Unsafe.Add(ref {tensor}Ref, {tensor}Offset + {context.ClassIndex}), {RowLength});",
            _ => $"{Read(tensor, context.Place)} = {value};",
        };

        var writes = new List<string>();
        if (_outputs.Loss && Elementwise)
        {
            string value = Value(_plan.Loss!, context);
            string lanes = context.TailMask is null || context.Place != Place.Vector ? value : $"{V}.ConditionalSelect({context.TailMask}, {value}, {V}.Zero)";
            writes.Add(Guarded(TensorGuard("loss"), !ReducedLoss ? Store("loss", value) : vector ? $"total += double.CreateTruncating({V}.Sum({lanes}));" : $"total += double.CreateTruncating({value});"));
        }

        if (_outputs.Dx)
        {
            writes.Add(Store("dx", Value(dx!, context)));
        }

        foreach (PlannedGradient other in _plan.Others.Where(o => !o.PerRow))
        {
            writes.Add(Store(other.Tensor, Value(other.Value, context)));
        }

        return writes;
    }
}
