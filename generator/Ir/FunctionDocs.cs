using System.Linq;
using System.Text;

namespace LossGen.Generator.Ir;

/// <summary>
/// The function tables of docs/dsl.md, rendered from <see cref="Functions.All"/>: each user-visible row gives its call,
/// what it computes and its gradient. A test keeps the page equal to this rendering.
/// </summary>
internal static class FunctionDocs
{
    /// <summary>The elementwise functions: function, meaning, gradient.</summary>
    public static string Elementwise()
    {
        var sb = new StringBuilder("| function | meaning | gradient |\n|---|---|---|\n");
        foreach (Function f in Functions.Callable.Where(f => f.Kind == FunctionKind.Elementwise))
        {
            sb.Append("| `").Append(f.Signature).Append("` | ").Append(f.Summary).Append(" | ").Append(f.GradientDoc ?? "—").Append(" |\n");
        }

        return sb.ToString();
    }

    /// <summary>The functions over the class axis: function, result shape, meaning, gradient.</summary>
    public static string OverClasses()
    {
        var sb = new StringBuilder("| function | result | meaning | gradient |\n|---|---|---|---|\n");
        foreach (Function f in Functions.Callable.Where(f => f.Kind is FunctionKind.Composite or FunctionKind.Reduction))
        {
            sb.Append("| `").Append(f.Signature).Append("` | ").Append(ResultShape(f)).Append(" | ").Append(f.Summary)
                .Append(" | ").Append(f.GradientDoc ?? "—").Append(" |\n");
        }

        return sb.ToString();
    }

    /// <summary>A reduction is row-shaped; a composite is what its definition gives on a class-shaped argument.</summary>
    private static string ResultShape(Function f)
    {
        if (f.Kind == FunctionKind.Reduction || f.Expand is null)
        {
            return "row-shaped";
        }

        var graph = new Graph();
        Node[] args = Enumerable.Range(0, f.Arity).Select(i => i == 0 ? graph.Input("e") : graph.Param("p" + i)).ToArray();
        return f.Expand(graph, args).Shape == Shape.Class ? "class-shaped" : "row-shaped";
    }
}
