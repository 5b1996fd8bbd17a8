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

/// <summary>The kernel writer: the loop over positions: a row at a time, or a block of positions in lanes for a short class axis.</summary>
internal sealed partial class KernelEmitter
{
    /// <summary>The blocks of positions in lanes (the kernel has a lane form: <see cref="KernelDecisions.Lanes"/>).</summary>
    private void EmitLanes(IndentedWriter w, Piece piece)
    {
        string lanes = LaneCondition();

        w.Line("// Short class axis, dense rows: a block of positions at a time, one position per lane.");
        w.Line("nint position = start;");
        w.Line($"if ({lanes})");
        w.Line("{");
        w.Open();
        using (w.Block($"for (; position <= end - {VectorCount}; position += {VectorCount})"))
        {
            EmitLaneRow(w, piece);
        }

        w.Close();
    }

    /// <summary>Positions one at a time, with vector loops over the class axis where it is contiguous.</summary>
    private void EmitRows(IndentedWriter w, Piece piece)
    {
        using (w.Block("for (nint position = start; position < end; position++)"))
        {
            var row = new Row(piece, w.Indent, lanes: false);
            foreach (string name in LikeX().Concat(PerPosition()))
            {
                row.Writer.Line($"nint {name}Offset = {name}Walk.Offset(position);");
            }

            if (_loss.UsesTarget)
            {
                row.Writer.Line("long targetValue = long.CreateTruncating(Unsafe.Add(ref tRef, tOffset));");
                if (HasIgnore)
                {
                    EmitIgnored(row.Writer);
                }

                row.Writer.Line("nint target = (nint)targetValue;");
            }

            if (_outputs.Dx && !ReducedLoss && !Elementwise)
            {
                row.Writer.Line("T seed = Unsafe.Add(ref dlossRef, dlossOffset);");
                row.Names[_loss.Seed] = "seed";
            }

            DefinePicks(row);
            EmitPasses(row, _plan.Passes);
            EmitFinal(row);
            w.Raw(row.Writer);
        }
    }

    /// <summary>
    /// The run-time condition of positions in lanes: enough positions, a class axis shorter than two vectors, rows dense
    /// and contiguous.
    /// </summary>
    private string LaneCondition()
    {
        var checks = new List<string> { $"end - start >= {VectorCount}" };

        if (!Flat)
        {
            checks.Add($"classes < 2 * {VectorCount}");
        }

        checks.AddRange(LikeX().Select(n => $"{n}Walk.IsRows({(Flat ? "1" : "classes")})"));
        checks.AddRange(PerPosition().Select(n => $"{n}Walk.IsRows(1)"));
        return string.Join(" && ", checks);
    }

    /// <summary>The row program for a block of positions, one per lane; a block with an ignored target leaves the rest to the scalar loop.</summary>
    private void EmitLaneRow(IndentedWriter w, Piece piece)
    {
        var row = new Row(piece, w.Indent, lanes: true, Unrolled ? _loss.Spec.Classes : 0);
        // The lane condition checked that rows are dense: position p starts at p * (row length).
        foreach (string name in LikeX())
        {
            row.Writer.Line(Flat ? $"nint {name}Offset = position;" : $"nint {name}Offset = position * {RowLength};");
        }

        foreach (string name in PerPosition())
        {
            row.Writer.Line($"nint {name}Offset = position;");
        }

        if (_loss.UsesTarget)
        {
            row.Writer.Line($"{VectorType} targetLanes = {V}.Targets<TIndex>(ref Unsafe.Add(ref tRef, tOffset));");
            if (HasIgnore)
            {
                using (row.Writer.Block($"if ({V}.Contains(targetLanes, T.CreateTruncating({_loss.Spec.IgnoreIndex.ToString(CultureInfo.InvariantCulture)})))"))
                {
                    row.Writer.Line("break;");
                }
            }
        }

        if (_outputs.Dx && !ReducedLoss && !Elementwise)
        {
            string seedLanes = Fresh("seed") + "Lanes";
            row.Writer.Line($"{VectorType} {seedLanes} = {V}.LoadUnsafe(ref dlossRef, (nuint)dlossOffset);");
            row.Names[_loss.Seed] = seedLanes;
        }

        if (row.Unrolled is { } unrolled)
        {
            EmitUnrolledLanes(row, unrolled);
            w.Raw(row.Writer);
            return;
        }

        DefinePicks(row);
        foreach (List<Node> pass in _plan.Passes)
        {
            string? passGuard = PassGuard(pass);
            var body = new IndentedWriter(row.Writer.Indent + (passGuard is null ? 1 : 2));
            List<(Node Node, string Name)> accumulators = Accumulate(pass, row.At(Place.Class, body), V, passGuard is null);

            foreach ((Node reduction, string name) in accumulators)
            {
                row.Writer.Line($"{VectorType} {name} = {V}.Create({Init(reduction)});");
            }

            using (passGuard is null ? null : row.Writer.Block($"if ({passGuard})"))
            {
                row.Writer.Line("for (nint c = 0; c < classes; c++)");
                row.Writer.Line("{");
                row.Writer.Raw(body);
                row.Writer.Line("}");
            }
            foreach ((Node reduction, string name) in accumulators)
            {
                row.Names[reduction] = name;
            }
        }

        EmitFinal(row);
        w.Raw(row.Writer);
    }

    /// <summary>
    /// The lane row with the class loop unrolled (compile-time <c>Classes</c>): each class's values are named once and
    /// stay in registers from the pass that computes them to the final pass, so x is gathered once and exp runs once.
    /// </summary>
    private void EmitUnrolledLanes(Row row, Context[] contexts)
    {
        int classes = contexts.Length;
        foreach (List<Node> pass in _plan.Passes)
        {
            var accumulators = pass.Select(r => (Node: r, Name: Fresh(r.Function!.Reduce switch { ReduceKind.Sum => "sum", ReduceKind.Max => "max", _ => "min" }))).ToList();
            var partial = new Dictionary<Node, string>();
            for (int c = 0; c < classes; c++)
            {
                foreach ((Node reduction, string name) in accumulators)
                {
                    string value = Value(reduction.Args[0], contexts[c]);
                    if (!partial.ContainsKey(reduction))
                    {
                        row.Writer.Line($"{VectorType} {name} = {value};");
                        partial[reduction] = name;
                        continue;
                    }

                    row.Writer.Line(reduction.Function!.Reduce switch
                    {
                        ReduceKind.Sum => $"{name} = {V}.Add({name}, {value});",
                        ReduceKind.Max => $"{name} = {V}.{VectorMax(reduction)}({name}, {value});",
                        _ => $"{name} = {V}.Min({name}, {value});",
                    });
                }
            }

            foreach ((Node reduction, string name) in accumulators)
            {
                row.Names[reduction] = name;
            }
        }

        if (_outputs.Loss && !Elementwise)
        {
            string value = Value(_plan.Loss!, row.Top);
            row.Writer.Line(Guarded(TensorGuard("loss"), ReducedLoss
                ? $"total += double.CreateTruncating({V}.Sum({value}));"
                : $"{V}.StoreUnsafe({value}, ref lossRef, (nuint)lossOffset);"));
        }

        foreach (PlannedGradient other in _plan.Others.Where(o => o.PerRow))
        {
            row.Writer.Line($"{V}.StoreUnsafe({Value(other.Value, row.Top)}, ref {other.Tensor}Ref, (nuint){other.Tensor}Offset);");
        }

        if ((_outputs.Loss && Elementwise) || _outputs.Dx || _plan.Others.Any(o => !o.PerRow))
        {
            // The outputs are computed in memory order, one flat vector of the block at a time (contiguous loads and
            // stores, row values spread over the lanes), and stored after everything is read: dx may be x.
            // The flat vectors are computed alike, so their intermediates share locals (declared once, assigned in
            // each): the JIT stops inlining into a method with too many locals, and a kernel whose helpers stay calls
            // spills every vector it keeps on each iteration. Only the values stored at the end are one per vector.
            var writes = new List<string>();
            var outputs = new HashSet<Node>(new[] { Elementwise ? _plan.Loss : null, _plan.Dx }.Concat(_plan.Others.Where(o => !o.PerRow).Select(o => o.Value)).OfType<Node>());
            var slots = new List<string>();
            var blocks = new IndentedWriter(row.Writer.Indent);
            for (int k = 0; k < classes; k++)
            {
                writes.AddRange(FinalWrites(new Context(row, Place.Block, blocks, outputs, slots) { BlockIndex = k }, _plan.Dx));
            }

            if (slots.Count > 0)
            {
                row.Writer.Line($"{VectorType} {string.Join(", ", slots)};");
            }

            row.Writer.Raw(blocks);
            foreach (string write in writes)
            {
                row.Writer.Line(write);
            }
        }
    }

    /// <summary>
    /// A constant vector of the piece (made once before its loop) for flat vector k = <paramref name="block"/>'s
    /// <see cref="Context.BlockIndex"/>, e.g. the permutation spreading row values over it.
    /// </summary>
    private string BlockConstant(Context block, string helper)
    {
        Piece piece = block.Row.Piece;
        string k = block.BlockIndex.ToString(CultureInfo.InvariantCulture);
        string key = helper + k;
        if (!piece.BlockConstants.TryGetValue(key, out string? name))
        {
            name = char.ToLowerInvariant(helper[0]) + helper.Substring(1) + k;
            piece.Scalars.Line($"{VectorType} {name} = {V}.{helper}({k}, {_loss.Spec.Classes.ToString(CultureInfo.InvariantCulture)});");
            piece.BlockConstants[key] = name;
        }

        return name;
    }

    private string BlockOffset(Context block, string tensor) => $"(nuint)({tensor}Offset + {block.BlockIndex.ToString(CultureInfo.InvariantCulture)} * {V}.Count)";

    /// <summary>In flat vector k of a block: the target class of each element's row.</summary>
    private string BlockTargets(Context context)
    {
        if (!context.Made.TryGetValue("targets", out string? targets))
        {
            targets = $"targetFlat{context.BlockIndex.ToString(CultureInfo.InvariantCulture)}";
            context.Writer.Line($"{VectorType} {targets} = {V}.Expand(targetLanes, {BlockConstant(context, "ExpandIndices")});");
            context.Made["targets"] = targets;
        }

        return targets;
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
                    w.Line(Guarded(TensorGuard("loss"), "Unsafe.Add(ref lossRef, lossOffset) = T.Zero;"));
                }
            }

            if (_outputs.Dx)
            {
                zeroed.Add("dx");
            }

            foreach (PlannedGradient other in _plan.Others)
            {
                if (other.PerRow)
                {
                    w.Line($"Unsafe.Add(ref {other.Tensor}Ref, {other.Tensor}Offset) = T.Zero;");
                }
                else
                {
                    zeroed.Add(other.Tensor);
                }
            }

            if (zeroed.Count > 0)
            {
                using (w.Block("for (nint c = 0; c < classes; c++)"))
                {
                    foreach (string name in zeroed)
                    {
                        w.Line(Guarded(TensorGuard(name), $"Unsafe.Add(ref {name}Ref, {name}Offset + c * {name}Stride) = T.Zero;"));
                    }
                }
            }

            w.Line("continue;");
        }
    }
}
