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
    private void EmitPasses(List<List<Node>> passes)
    {
        for (int p = 0; p < passes.Count; p++)
        {
            List<Node> pass = passes[p];
            bool caches = _decisions.Cache is not null && passes == _plan.Passes && p == _decisions.CachePass;
            bool prefetches = passes == _plan.Passes && p == _decisions.PrefetchPass;
            string? passGuard = PassGuard(pass);
            int indent = _rowWriter.Indent + (passGuard is null ? 0 : 1);
            var body = new IndentedWriter(indent + 2);
            var context = new Context(Place.Class, body);
            List<(Node Node, string Name)> accumulators = Accumulate(pass, context, "T", passGuard is null);
            if (caches)
            {
                body.Line($"Unsafe.Add(ref dxRef, dxOffset + c * dxStride) = {Value(_decisions.Cache!, context)};");
            }

            IndentedWriter? vector = null;
            // The weight passes (mean_by's denominator) run once per call in the kernel method, outside the pieces that
            // are generic over the width: their loops are scalar.
            string? condition = passes == _plan.Passes
                ? VectorCondition(pass.Select(r => r.Args[0]), caches ? new[] { "dx" } : Enumerable.Empty<string>())
                : null;
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
                            ReduceKind.Sum => $"{V}.Add({partials}, {value})",
                            ReduceKind.Max => $"{V}.{VectorMax(reduction)}({partials}, {value})",
                            _ => $"{V}.Min({partials}, {value})",
                        };
                        vectorContext.Writer.Line(Guarded(passGuard is null ? Guard(_decisions.NeededBy(reduction)) : null, _tailMask is not null
                            ? $"{partials} = {V}.ConditionalSelect({_tailMask}, {folded}, {partials});"
                            : $"{partials} = {folded};"));
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
                EmitTail(vector, () => Body("c", string.Empty));
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

            _rowWriter.Line($"// {(passes == _plan.Passes ? "Pass" : "Weight pass")} {(p + 1).ToString(CultureInfo.InvariantCulture)} over the classes: {string.Join(", ", pass.Select(r => Printer.Print(r)))}");
            foreach ((Node reduction, string name) in accumulators)
            {
                _rowWriter.Line($"T {name} = {Init(reduction)};");
            }

            using (passGuard is null ? null : _rowWriter.Block($"if ({passGuard})"))
            {
                EmitClassLoop(body, vector, condition);
            }

            foreach ((Node reduction, string name) in accumulators)
            {
                _rowNames[reduction] = name;
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
        if (condition!.Length > 0)
        {
            _rowWriter.Line($"if ({condition})");
        }

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

        // Empty when every value is broadcast and nothing is written: the vector loop then always runs.
        return string.Join(" && ", tensors.Select(t => $"{t}Stride == 1"));
    }

    /// <summary>The gradient the final pass writes: <see cref="KernelPlan.Dx"/>, or its part without a one-hot term.</summary>
    private Node? _dxValue;

    /// <summary>The loss of the position, then the pass that writes the elementwise outputs.</summary>
    private void EmitFinal()
    {
        if (_outputs.Loss && !Elementwise)
        {
            string value = Value(_plan.Loss!, null);
            _rowWriter.Line(Guarded(TensorGuard("loss"), (ReducedLoss, _lanes) switch
            {
                (true, false) => $"total += double.CreateTruncating({value});",
                (true, true) => $"total += double.CreateTruncating({V}.Sum({value}));",
                (false, false) => $"Unsafe.Add(ref lossRef, lossOffset) = {value};",
                _ => $"{V}.StoreUnsafe({value}, ref lossRef, (nuint)lossOffset);",
            }));
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

        var labels = new List<string>();
        if (elementwiseLoss)
        {
            labels.Add("loss");
        }

        labels.AddRange(written.Where(n => n != "loss"));
        _rowWriter.Line("// Final pass over the classes: " + string.Join("; ", values.Select((v, i) => labels[i] + " = " + Printer.Print(v))));
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
                ? $"{VectorType} {name} = {VectorLoad("dx", "dxOffset + c")}; // {note} by pass {_decisions.CachePass + 1}"
                : $"T {name} = Unsafe.Add(ref dxRef, dxOffset + c * dxStride); // {note} by pass {_decisions.CachePass + 1}");
            context.Names[_decisions.Cache] = name;
        }

        bool vector = context.Place == Place.Vector || _lanes;
        string Store(string tensor, string value) => (context.Place, _lanes) switch
        {
            (Place.Vector, _) => VectorStore(value, tensor, $"{tensor}Offset + c"),
            (Place.Block, _) => $"{V}.StoreUnsafe({value}, ref {tensor}Ref, {BlockOffset(tensor)});",
            (Place.Flat, true) => $"{V}.StoreUnsafe({value}, ref {tensor}Ref, (nuint){tensor}Offset);",
            (_, true) => $"{V}.Scatter({value}, ref Unsafe.Add(ref {tensor}Ref, {tensor}Offset + {_classIndex}), {RowLength});",
            _ => $"{Read(tensor, context.Place)} = {value};",
        };

        var writes = new List<string>();
        if (_outputs.Loss && Elementwise)
        {
            string value = Value(_plan.Loss!, context);
            string lanes = _tailMask is null || context.Place != Place.Vector ? value : $"{V}.ConditionalSelect({_tailMask}, {value}, {V}.Zero)";
            writes.Add(Guarded(TensorGuard("loss"), !ReducedLoss ? Store("loss", value) : vector ? $"total += double.CreateTruncating({V}.Sum({lanes}));" : $"total += double.CreateTruncating({value});"));
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
}
