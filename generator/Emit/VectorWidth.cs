using System.Globalization;

namespace LossGen.Generator.Emit;

/// <summary>
/// A vector width a kernel runs at. A kernel's vector code is written once, generic over the width
/// (<see cref="Parameter"/>, a <c>LossGen.Internal.IKernelWidth</c> whose static members are the vector operations, and
/// <see cref="VectorParameter"/>, its vector type); the chunk struct picks the widest width the hardware accelerates
/// and the JIT compiles the code for it.
/// </summary>
internal sealed record VectorWidth(int Bits)
{
    /// <summary>The widths the chunk struct dispatches to, widest first: 512, 256, then 128 bits (every 64-bit .NET target accelerates 128).</summary>
    public static readonly VectorWidth[] Kernels = { new(512), new(256), new(128) };

    /// <summary>The type parameter of the width in the generic kernel pieces.</summary>
    public const string Parameter = "TWidth";

    /// <summary>The type parameter of the width's vector type.</summary>
    public const string VectorParameter = "TVector";

    /// <summary>The vector type: <c>Vector256</c>.</summary>
    public string Type => "Vector" + Bits.ToString(CultureInfo.InvariantCulture);

    /// <summary>The type arguments that run the generic pieces at this width.</summary>
    public string Arguments => $"global::LossGen.Internal.Width{Bits.ToString(CultureInfo.InvariantCulture)}<T>, {Type}<T>";

    /// <summary>A function row's vector form (<see cref="Ir.Function.Vector"/>), with <c>{V}</c> the width parameter.</summary>
    public static string Form(string template) => template.Replace("{V}", Parameter);
}
