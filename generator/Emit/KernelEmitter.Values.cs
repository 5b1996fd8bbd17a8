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

/// <summary>The kernel writer: one named local per node, at the outermost place it can live: scalar, class, vector, lane or block.</summary>
internal sealed partial class KernelEmitter
{
    /// <summary>
    /// The C# name of <paramref name="target"/>'s value, defining whatever it needs that is not defined yet, each at the
    /// outermost place it can live. Iterative: graph depth never becomes stack depth.
    /// </summary>
    private string Value(Node target, Context context)
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

    private List<Node> Needed(Node target, Context context)
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
                || (context.Place == Place.Vector && IsBroadcast(node))
                || (context.Lanes && IsLaneBroadcast(node))
                || (context.Place == Place.Block && node.Shape == Shape.Row);
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

    private string? NameOf(Node node, Context context)
    {
        if (context.Lanes)
        {
            return LaneName(node, context);
        }

        if (context.Place == Place.Vector)
        {
            if (node.IsConst(0))
            {
                return $"{V}.Zero";
            }

            if (node.IsConst(1))
            {
                return $"{V}.One";
            }

            if (!IsBroadcast(node))
            {
                return context.Names.TryGetValue(node, out string? lanes) ? lanes : null;
            }

            return context.Row.Piece.Vectors.TryGetValue(node, out string? broadcast) || context.Row.Vectors.TryGetValue(node, out broadcast) ? broadcast : null;
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

        if (context.Row.Piece.Names.TryGetValue(node, out string? name) || context.Row.Names.TryGetValue(node, out name))
        {
            return name;
        }

        if (context.Place == Place.Row)
        {
            return null;
        }

        if (context.Place == Place.Pick)
        {
            return context.Row.PickNames.TryGetValue(node, out name) ? name : null;
        }

        return context.Names.TryGetValue(node, out name) ? name : null;
    }

    private void Define(Node node, Context context)
    {
        if (context.Lanes)
        {
            DefineLane(node, context);
            return;
        }

        if (context.Place == Place.Vector)
        {
            DefineVector(node, context);
            return;
        }

        switch (node.Op)
        {
            case Op.Const:
            {
                string name = Fresh("k");
                context.Row.Piece.Scalars.Line($"T {name} = T.CreateTruncating({Literal(node.Value)});");
                context.Row.Piece.Names[node] = name;
                return;
            }

            case Op.Seed:
                // Reduction.None with an elementwise loss: the upstream gradient of each element.
                Bind(node, context, Fresh("seed"), AtTarget(node, context.Place, Read("dloss", context.Place)));
                return;

            case Op.ClassCount:
                context.Row.Piece.Scalars.Line("T classCount = T.CreateTruncating(classes);");
                context.Row.Piece.Names[node] = "classCount";
                return;

            case Op.Pick:
                context.Row.Names[node] = Value(node.Args[0], context.Row.At(Place.Pick, context.Row.Writer));
                return;

            case Op.OneHot:
                if (context.Place == Place.Pick)
                {
                    context.Row.PickNames[node] = "T.One";
                }
                else
                {
                    Bind(node, context, Fresh("oneHot"), "c == target ? T.One : T.Zero");
                }

                return;

            case Op.Input when node.Name == Binder.Target:
                // The class index as a number (only compared with a constant: where(t == k, a, b)).
                Bind(node, context, Fresh("targetIndex"), "T.CreateTruncating(targetValue)");
                return;

            case Op.Input:
            {
                InputSpec? input = _loss.Inputs.FirstOrDefault(i => i.Name == node.Name);
                string read = input?.Layout switch
                {
                    InputLayout.PerClass => $"Unsafe.Add(ref {node.Name}Ref, {(context.Place == Place.Pick ? "target" : "c")} * {node.Name}Stride)",
                    InputLayout.PerRow => Read(node.Name, Place.Row),
                    _ => Read(node.Name, context.Place),
                };
                Bind(node, context, Fresh(node.Name), AtTarget(node, context.Place, read));
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

    private string? LaneName(Node node, Context context)
    {
        if (node.IsConst(0))
        {
            return $"{V}.Zero";
        }

        if (node.IsConst(1))
        {
            return $"{V}.One";
        }

        if (IsLaneBroadcast(node))
        {
            return context.Row.Piece.Vectors.TryGetValue(node, out string? broadcast) || context.Row.Vectors.TryGetValue(node, out broadcast) ? broadcast : null;
        }

        if (context.Place == Place.Block)
        {
            return context.Names.TryGetValue(node, out string? spread) ? spread : null;
        }

        if (context.Row.Names.TryGetValue(node, out string? name))
        {
            return name;
        }

        if (context.Place == Place.Row)
        {
            return null;
        }

        return context.Place == Place.Pick
            ? (context.Row.PickNames.TryGetValue(node, out name) ? name : null)
            : (context.Names.TryGetValue(node, out name) ? name : null);
    }

    /// <summary>Defines a node for a block of positions in lanes.</summary>
    private void DefineLane(Node node, Context context)
    {
        Row row = context.Row;
        if (IsLaneBroadcast(node))
        {
            string scalar = Value(node, row.Scalar);
            bool identifier = scalar.All(ch => char.IsLetterOrDigit(ch) || ch == '_');
            string name = identifier ? scalar + "Lanes" : Fresh("broadcast") + "Lanes";
            if (node.Op == Op.Seed)
            {
                // The seed is computed after the denominator pass, so it is broadcast where it is used.
                row.Writer.Line($"{VectorType} {name} = {V}.Create({scalar});");
                row.Vectors[node] = name;
                return;
            }

            if (!row.Piece.Vectors.ContainsValue(name))
            {
                row.Piece.Scalars.Line($"{VectorType} {name} = {V}.Create({scalar});");
            }

            row.Piece.Vectors[node] = name;
            return;
        }

        Place place = context.Place == Place.Row ? Place.Class : context.Place;
        InputLayout? layout = node.Op == Op.Input ? _loss.Inputs.FirstOrDefault(i => i.Name == node.Name)?.Layout : null;
        bool perClass = layout == InputLayout.PerClass;
        if (place == Place.Block)
        {
            DefineBlock(node, context, perClass);
            return;
        }

        string expression;
        switch (node.Op)
        {
            case Op.Pick when row.Unrolled is { } unrolled:
            {
                // The value at the target class, chosen among the classes' values already in registers.
                string pick = Fresh("pick") + "Lanes";
                row.Writer.Line($"{VectorType} {pick} = {Value(node.Args[0], unrolled[0])};");
                for (int c = 1; c < unrolled.Length; c++)
                {
                    string value = Value(node.Args[0], unrolled[c]);
                    row.Writer.Line($"{pick} = {V}.Choose(targetLanes, T.CreateTruncating({unrolled[c].ClassIndex}), {value}, {pick});");
                }

                row.Names[node] = pick;
                return;
            }

            case Op.Pick:
                row.Names[node] = Value(node.Args[0], row.At(Place.Pick, row.Writer));
                return;
            case Op.Input when node.Name == Binder.Target:
                // The class indices of the positions in lanes, as numbers.
                row.Names[node] = "targetLanes";
                return;
            case Op.Input when layout == InputLayout.PerRow:
                // One value per position; positions in lanes are consecutive.
                expression = $"{V}.LoadUnsafe(ref {node.Name}Ref, (nuint){node.Name}Offset)";
                break;
            case Op.Input when perClass:
                expression = place == Place.Pick
                    ? $"{V}.GatherPick(ref {node.Name}Ref, 0, targetLanes, {node.Name}Stride)"
                    : $"{V}.Create(Unsafe.Add(ref {node.Name}Ref, {context.ClassIndex} * {node.Name}Stride))";
                break;
            case Op.Input:
            case Op.Seed:
                string tensor = node.Op == Op.Seed ? "dloss" : node.Name;
                expression = place switch
                {
                    Place.Flat => $"{V}.LoadUnsafe(ref {tensor}Ref, (nuint){tensor}Offset)",
                    Place.Pick => $"{V}.GatherPick(ref Unsafe.Add(ref {tensor}Ref, {tensor}Offset), {RowLength}, targetLanes, 1)",
                    _ => $"{V}.Gather(ref Unsafe.Add(ref {tensor}Ref, {tensor}Offset + {context.ClassIndex}), {RowLength})",
                };
                break;
            case Op.OneHot:
                if (place == Place.Pick)
                {
                    row.PickNames[node] = $"{V}.One";
                    return;
                }

                expression = $"{V}.Equal({V}.Create(T.CreateTruncating({context.ClassIndex})), targetLanes)";
                break;
            case Op.Call when !node.IsReduction && node.Function!.Vector is not null:
                expression = Format(Form(node.Function.Vector), node.Args.Select(a => NameOf(a, context) ?? throw new InvalidOperationException("argument not defined: " + a)).ToArray());
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
        string line = $"{VectorType} {lanes} = {(node.Op is Op.Input or Op.Seed ? AtTarget(node, place, expression) : expression)};";
        if (node.Shape == Shape.Row)
        {
            row.Writer.Line(line);
            row.Names[node] = lanes;
        }
        else if (place == Place.Pick)
        {
            row.Writer.Line(line);
            row.PickNames[node] = lanes;
        }
        else
        {
            context.Writer.Line(line);
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
            string rows = Value(node, context.Row.Top);
            expression = $"{V}.Expand({rows}, {BlockConstant(context, "ExpandIndices")})";
            stem = rows.EndsWith("Lanes", StringComparison.Ordinal) ? rows.Substring(0, rows.Length - 5) : rows;
            DeclareInBlock(node, context, $"{stem}Flat{context.BlockIndex.ToString(CultureInfo.InvariantCulture)}", stem, expression);
            return;
        }

        switch (node.Op)
        {
            case Op.Input when perClass:
                expression = $"{V}.GatherPick(ref {node.Name}Ref, 0, {BlockConstant(context, "ClassIndices")}, {node.Name}Stride)";
                stem = node.Name;
                break;
            case Op.Input:
            case Op.Seed:
                string tensor = node.Op == Op.Seed ? "dloss" : node.Name;
                expression = $"{V}.LoadUnsafe(ref {tensor}Ref, {BlockOffset(context, tensor)})";
                stem = node.Op == Op.Seed ? "seed" : node.Name;
                break;
            case Op.OneHot:
                expression = $"{V}.Equal({BlockConstant(context, "ClassIndices")}, {BlockTargets(context)})";
                stem = "oneHot";
                break;
            case Op.Call when !node.IsReduction && node.Function!.Vector is not null:
                expression = Format(Form(node.Function.Vector), node.Args.Select(a => NameOf(a, context) ?? throw new InvalidOperationException("argument not defined: " + a)).ToArray());
                stem = Stem(node.Function);
                break;
            default:
                throw new InvalidOperationException("cannot define " + node + " in a flat block");
        }

        DeclareInBlock(node, context, null, stem, expression);
    }

    /// <summary>
    /// Names a flat block's value: an output gets a local of its own (<paramref name="name"/>, or a fresh one), any
    /// other value the block's next use of a local shared by every block (<paramref name="stem"/>Flat, Flat2, ...).
    /// </summary>
    private void DeclareInBlock(Node node, Context context, string? name, string stem, string expression)
    {
        if (context.Outputs.Contains(node))
        {
            name ??= Fresh(stem) + "Flat";
            context.Writer.Line($"{VectorType} {name} = {expression};");
        }
        else
        {
            string slot = stem + "Flat";
            context.SlotUses.TryGetValue(slot, out int uses);
            context.SlotUses[slot] = ++uses;
            name = uses == 1 ? slot : slot + uses.ToString(CultureInfo.InvariantCulture);
            if (!context.Slots.Contains(name))
            {
                context.Slots.Add(name);
            }

            context.Writer.Line($"{name} = {expression};");
        }

        context.Names[node] = name;
    }

    /// <summary>In a vector loop, a value the same for every class of the row (broadcast), not one per lane.</summary>
    private bool IsBroadcast(Node node) => KernelDecisions.IsBroadcast(node, ReducedLoss);

    /// <summary>Defines a node in a vector loop: class-shaped values as lanes, anything else broadcast once outside.</summary>
    private void DefineVector(Node node, Context context)
    {
        if (IsBroadcast(node))
        {
            Row row = context.Row;
            string scalar = Value(node, row.Top);
            bool identifier = scalar.All(ch => char.IsLetterOrDigit(ch) || ch == '_');
            string name = identifier ? scalar + "Lanes" : Fresh("broadcast") + "Lanes";
            string line = $"{VectorType} {name} = {V}.Create({scalar});";
            if (node.Shape == Shape.Scalar)
            {
                row.Piece.Scalars.Line(line);
                row.Piece.Vectors[node] = name;
            }
            else
            {
                row.Writer.Line(line);
                row.Vectors[node] = name;
            }

            return;
        }

        string expression = node.Op switch
        {
            Op.Input when _loss.Inputs.FirstOrDefault(i => i.Name == node.Name)?.Layout == InputLayout.PerClass
                => VectorLoad(context, node.Name, context.VectorIndex),
            Op.Input => VectorLoad(context, node.Name, $"{node.Name}Offset + {context.VectorIndex}"),
            Op.Seed => VectorLoad(context, "dloss", $"dlossOffset + {context.VectorIndex}"),
            Op.OneHot => $"{V}.OneHot({context.VectorIndex}, target)",
            Op.Call => Format(Form(node.Function!.Vector!), node.Args.Select(a => NameOf(a, context) ?? throw new InvalidOperationException("argument not defined: " + a)).ToArray()),
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
        context.Writer.Line($"{VectorType} {lanes} = {expression};");
        context.Names[node] = lanes;
    }

    /// <summary>Declares <paramref name="name"/> at the outermost place <paramref name="node"/>'s shape allows.</summary>
    private void Bind(Node node, Context context, string name, string expression)
    {
        Row row = context.Row;
        if (node.Shape == Shape.Scalar && node.Op != Op.Input && node.Op != Op.OneHot)
        {
            row.Piece.Scalars.Line($"T {name} = {expression};");
            row.Piece.Names[node] = name;
        }
        else if (node.Shape == Shape.Row)
        {
            row.Writer.Line($"T {name} = {expression};");
            row.Names[node] = name;
        }
        else if (context.Place == Place.Pick)
        {
            row.Writer.Line($"T {name} = {expression};");
            row.PickNames[node] = name;
        }
        else
        {
            context.Writer.Line($"T {name} = {expression};");
            context.Names[node] = name;
        }
    }

    /// <summary>
    /// A read of memory at the target: skipped (the default value instead) when the caller did not ask for any output
    /// it serves. The JIT folds the condition, and a read it cannot prove harmless would otherwise stay.
    /// </summary>
    private string AtTarget(Node node, Place place, string read) =>
        place == Place.Pick && Guard(_decisions.PickNeededBy(node)) is { } guard ? $"{guard} ? {read} : default" : read;

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

    private static string Stem(Function f) => f.Stem ?? Identifiers.Camel(f.Name);

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
