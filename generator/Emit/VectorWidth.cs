using System.Globalization;

namespace LossGen.Generator.Emit;

/// <summary>
/// One vector width the kernels are written for, and the one place that knows how a width is spelled in C#: the vector
/// type, its element count, and the names of the runtime helpers that take no vector (so cannot overload on width and
/// carry the width in their name). A kernel's vector code is written once per width from the same plan.
/// </summary>
internal sealed record VectorWidth(int Bits)
{
    public static readonly VectorWidth W256 = new(256);

    public static readonly VectorWidth W512 = new(512);

    /// <summary>The widths a kernel has code for, widest first: the order the chunk struct tries them.</summary>
    public static readonly VectorWidth[] Kernels = { W512, W256 };

    /// <summary>The vector type: <c>Vector256</c>.</summary>
    public string Type => "Vector" + Bits.ToString(CultureInfo.InvariantCulture);

    /// <summary>The suffix of the kernel pieces written for this width: <c>Rows512</c>.</summary>
    public string Suffix => Bits.ToString(CultureInfo.InvariantCulture);

    /// <summary>A runtime helper that takes no vector: <c>OneHot</c> at 256 bits, <c>OneHot512</c> at 512.</summary>
    public string Helper(string name) => Bits == 256 ? name : name + Suffix;

    /// <summary>A function row's vector form at this width: <c>{V}</c> is the vector type (<see cref="Ir.Function.Vector"/>).</summary>
    public string Form(string template) => template.Replace("{V}", Type);
}
