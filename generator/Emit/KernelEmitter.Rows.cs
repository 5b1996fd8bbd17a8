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
            _rowWriter.Line($"{VectorType} targetLanes = {V}.Targets<TIndex>(ref Unsafe.Add(ref tRef, tOffset));");
            if (HasIgnore)
            {
                using (_rowWriter.Block($"if ({V}.Contains(targetLanes, T.CreateTruncating({_loss.Spec.IgnoreIndex.ToString(CultureInfo.InvariantCulture)})))"))
                {
                    _rowWriter.Line("break;");
                }
            }
        }

        if (_outputs.Dx && !ReducedLoss && !Elementwise)
        {
            string seedLanes = Fresh("seed") + "Lanes";
            _rowWriter.Line($"{VectorType} {seedLanes} = {V}.LoadUnsafe(ref dlossRef, (nuint)dlossOffset);");
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
            string? passGuard = PassGuard(pass);
            var body = new IndentedWriter(_rowWriter.Indent + (passGuard is null ? 1 : 2));
            var context = new Context(Place.Class, body);
            List<(Node Node, string Name)> accumulators = Accumulate(pass, context, V, passGuard is null);

            foreach ((Node reduction, string name) in accumulators)
            {
                _rowWriter.Line($"{VectorType} {name} = {V}.Create({Init(reduction)});");
            }

            using (passGuard is null ? null : _rowWriter.Block($"if ({passGuard})"))
            {
                _rowWriter.Line("for (nint c = 0; c < classes; c++)");
                _rowWriter.Line("{");
                _rowWriter.Raw(body);
                _rowWriter.Line("}");
            }
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
                        _rowWriter.Line($"{VectorType} {name} = {value};");
                        partial[reduction] = name;
                        continue;
                    }

                    _rowWriter.Line(reduction.Function!.Reduce switch
                    {
                        ReduceKind.Sum => $"{name} = {V}.Add({name}, {value});",
                        ReduceKind.Max => $"{name} = {V}.{VectorMax(reduction)}({name}, {value});",
                        _ => $"{name} = {V}.Min({name}, {value});",
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
            _rowWriter.Line(Guarded(TensorGuard("loss"), ReducedLoss
                ? $"total += double.CreateTruncating({V}.Sum({value}));"
                : $"{V}.StoreUnsafe({value}, ref lossRef, (nuint)lossOffset);"));
        }

        if ((_outputs.Loss && Elementwise) || _outputs.Dx || _outputs.Dy)
        {
            // The outputs are computed in memory order, one flat vector of the block at a time (contiguous loads and
            // stores, row values spread over the lanes), and stored after everything is read: dx may be x.
            // The flat vectors are computed alike, so their intermediates share locals (declared once, assigned in
            // each): the JIT stops inlining into a method with too many locals, and a kernel whose helpers stay calls
            // spills every vector it keeps on each iteration. Only the values stored at the end are one per vector.
            var writes = new List<string>();
            var outputs = new HashSet<Node>(new[] { Elementwise ? _plan.Loss : null, _dxValue ?? _plan.Dx, _plan.Dy }.OfType<Node>());
            var slots = new List<string>();
            var blocks = new IndentedWriter(_rowWriter.Indent);
            for (int k = 0; k < classes; k++)
            {
                _blockIndex = k;
                writes.AddRange(FinalWrites(new Context(Place.Block, blocks, outputs, slots)));
            }

            if (slots.Count > 0)
            {
                _rowWriter.Line($"{VectorType} {string.Join(", ", slots)};");
            }

            _rowWriter.Raw(blocks);

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
            _scalars.Line($"{VectorType} {name} = {V}.{helper}({k.ToString(CultureInfo.InvariantCulture)}, {_loss.Spec.Classes.ToString(CultureInfo.InvariantCulture)});");
            _blockConstants[key] = name;
        }

        return name;
    }

    private string BlockOffset(string tensor) => $"(nuint)({tensor}Offset + {_blockIndex.ToString(CultureInfo.InvariantCulture)} * {V}.Count)";

    /// <summary>In flat vector k of a block: the target class of each element's row.</summary>
    private string BlockTargets(Context context)
    {
        if (context.Targets is null)
        {
            context.Targets = $"targetFlat{_blockIndex.ToString(CultureInfo.InvariantCulture)}";
            context.Writer.Line($"{VectorType} {context.Targets} = {V}.Expand(targetLanes, {BlockConstant("ExpandIndices", _blockIndex)});");
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
                    w.Line(Guarded(TensorGuard("loss"), "Unsafe.Add(ref lossRef, lossOffset) = T.Zero;"));
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
                        w.Line(Guarded(TensorGuard(name), $"Unsafe.Add(ref {name}Ref, {name}Offset + c * {name}Stride) = T.Zero;"));
                    }
                }
            }

            w.Line("continue;");
        }
    }
}
