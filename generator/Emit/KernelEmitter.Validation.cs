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

/// <summary>The kernel writer: argument validation before any write: shapes, strides, class indices, and Mean's denominator.</summary>
internal sealed partial class KernelEmitter
{
    private void EmitValidation(IndentedWriter w)
    {
        var spec = _loss.Spec;
        w.Line("// Validate every argument before anything is written.");
        if (Flat)
        {
            w.Line($"global::LossGen.Internal.Check.Rank(x.Lengths, \"{Shown("x")}\");");
            w.Line("const int axis = -1;");
            w.Line("nint positions = x.FlattenedLength;");
        }
        else
        {
            w.Line($"int axis = global::LossGen.Internal.Check.ClassAxis(x.Lengths, {(spec.ClassAxis == Extraction.AllButBatch ? 1 : spec.ClassAxis).ToString(CultureInfo.InvariantCulture)}, {spec.Classes.ToString(CultureInfo.InvariantCulture)}, \"{Shown("x")}\");");
            w.Line("nint classes = x.Lengths[axis];");
            w.Line("nint positions = global::LossGen.Internal.Check.Positions(x.Lengths, axis);");
        }

        foreach (InputSpec input in _loss.Inputs)
        {
            if (input.Layout == InputLayout.PerRow)
            {
                // Checked with the other tensors of one value per position, below.
                continue;
            }

            if (input.Layout == InputLayout.PerClass)
            {
                w.Line($"global::LossGen.Internal.Check.ClassVector({input.Name}.Lengths, classes, \"{Shown(input.Name)}\");");
            }
            else
            {
                w.Line($"global::LossGen.Internal.Check.SameShape({input.Name}.Lengths, x.Lengths, \"{Shown(input.Name)}\", \"{ShapeOfX}\");");
            }
        }

        // The shapes of the inputs, then of each output, then memory: outputs against inputs and each other. An output
        // the caller may not ask for (the loss tensor of a gradient kernel) is checked only when asked for.
        foreach (string name in PerPosition().Where(n => TensorGuard(n) is null))
        {
            w.Line($"global::LossGen.Internal.Check.PositionShape({name}.Lengths, x.Lengths, axis, \"{Shown(name)}\"{PositionShapeOptions(name)});");
        }

        foreach (string name in LikeX().Where(n => !LikeXInputs().Contains(n) && TensorGuard(n) is null))
        {
            w.Line($"global::LossGen.Internal.Check.SameShape({name}.Lengths, x.Lengths, \"{Shown(name)}\", \"{ShapeOfX}\");");
        }

        var outputs = new List<string>();
        if (_outputs.Loss && !ReducedLoss)
        {
            outputs.Add("loss");
        }

        if (_outputs.Dx)
        {
            outputs.Add("dx");
        }

        outputs.AddRange(_plan.Others.Select(o => o.Tensor));

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
            string? guard = TensorGuard(output);
            if (guard is not null)
            {
                w.Line($"if ({guard})");
                w.Line("{");
                w.Open();
                w.Line(PerPosition().Contains(output)
                    ? $"global::LossGen.Internal.Check.PositionShape({output}.Lengths, x.Lengths, axis, \"{Shown(output)}\"{PositionShapeOptions(output)});"
                    : $"global::LossGen.Internal.Check.SameShape({output}.Lengths, x.Lengths, \"{Shown(output)}\", \"{ShapeOfX}\");");
            }

            foreach (string input in inputs)
            {
                string allowSame = output == "dx" && input == "x" ? ", allowSame: true" : string.Empty;
                w.Line($"global::LossGen.Internal.Check.NoOverlap(ref {output}Ref, {output}.Lengths, {output}.Strides, \"{Shown(output)}\", ref {input}Ref, {input}.Lengths, {input}.Strides, \"{Shown(input)}\"{allowSame});");
            }

            for (int p = o + 1; p < outputs.Count; p++)
            {
                string other = outputs[p];
                w.Line($"global::LossGen.Internal.Check.NoOverlap(ref {output}Ref, {output}.Lengths, {output}.Strides, \"{Shown(output)}\", ref {other}Ref, {other}.Lengths, {other}.Strides, \"{Shown(other)}\");");
            }

            if (guard is not null)
            {
                w.Close();
            }
        }

        w.Line();
        foreach (string name in LikeX())
        {
            w.Line($"global::LossGen.Internal.Walker {name}Walk = {WalkerOf(name, "axis")};");
            if (!Flat)
            {
                w.Line($"nint {name}Stride = {name}Walk.ClassStride;");
            }
        }

        foreach (string name in PerPosition())
        {
            w.Line($"global::LossGen.Internal.Walker {name}Walk = {WalkerOf(name, "-1")};");
        }

        foreach (InputSpec input in _loss.Inputs.Where(i => i.Layout == InputLayout.PerClass))
        {
            w.Line($"nint {input.Name}Stride = {input.Name}.Strides[0];");
        }
    }

    /// <summary>The walker over a tensor: for an output the caller may not ask for, one that passes every layout check.</summary>
    private string WalkerOf(string name, string axis) => TensorGuard(name) is { } guard
        ? $"global::LossGen.Internal.Walker.Optional({guard}, {name}.Lengths, {name}.Strides, {axis})"
        : $"global::LossGen.Internal.Walker.Create({name}.Lengths, {name}.Strides, {axis})";

    /// <summary>The name the user knows a tensor by, for the exception messages.</summary>
    private string Shown(string tensor) => _loss.Shown(tensor);

    private string ShapeOfX => "the shape of " + Shown("x");

    /// <summary>
    /// The optional arguments of a per-position shape check: the prediction's name when it is not x, and for a
    /// per-position input other than class indices (and its gradient), that x's shape with the class axis of length 1 fits too.
    /// </summary>
    private string PositionShapeOptions(string tensor)
    {
        string reference = Shown("x") == "x" ? string.Empty : $", reference: \"{Shown("x")}\"";
        bool kept = _loss.Inputs.Any(i => (i.Name == tensor || "d" + i.Name == tensor) && i.Layout == InputLayout.PerRow);
        return reference + (kept ? ", keptAxis: true" : string.Empty);
    }

    private string RefOf(string name) =>
        name == "loss" || name == "dx" || _plan.Others.Any(o => o.Tensor == name)
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
                w.Line($"throw global::LossGen.Internal.Check.TargetOutOfRange(\"{Shown("t")}\", t.Lengths, badPosition, long.CreateTruncating(Unsafe.Add(ref tRef, badPosition)), classes, \"{ignoreNote}\");");
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
                var row = new Row(_kernelPiece, w.Indent, lanes: false);
                EmitPasses(row, _plan.WeightPasses);
                string rowWeight = Value(_plan.MeanWeight!, row.Top);
                w.Raw(row.Writer);
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
            w.Line($"throw global::LossGen.Internal.Check.TargetOutOfRange(\"{Shown("t")}\", t.Lengths, position, targetValue, classes, \"{ignoreNote}\");");
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
                var row = new Row(_kernelPiece, w.Indent, lanes: false);
                EmitPasses(row, _plan.WeightPasses);
                string weight = Value(_plan.MeanWeight, row.Top);
                w.Raw(row.Writer);
                w.Line($"denominator += double.CreateTruncating({weight});");
            }
        }
    }
}
