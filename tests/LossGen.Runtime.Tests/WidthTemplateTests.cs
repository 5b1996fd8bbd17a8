using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Xunit;

namespace LossGen.Runtime.Tests;

/// <summary>
/// The runtime's vector helpers are written once per function, in a template for one width
/// (runtime/Internal/VectorOps.Width.template, runtime/Math/VectorMath.Width.template), and rendered at each width the
/// kernels use (docs/architecture.md, Runtime). This test is the renderer: each committed width file must equal the
/// rendering of its template; LOSSGEN_UPDATE_BASELINES=1 writes them.
/// </summary>
public class WidthTemplateTests
{
    public static TheoryData<string, int> Renderings => new()
    {
        { "runtime/Internal/VectorOps", 128 },
        { "runtime/Internal/VectorOps", 256 },
        { "runtime/Internal/VectorOps", 512 },
        { "runtime/Math/VectorMath", 128 },
        { "runtime/Math/VectorMath", 256 },
        { "runtime/Math/VectorMath", 512 },
        { "runtime/Internal/Width", 128 },
        { "runtime/Internal/Width", 256 },
        { "runtime/Internal/Width", 512 },
    };

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Width_file_is_the_rendering_of_its_template(string stem, int bits)
    {
        string root = Root();
        string template = Path.Combine(root, stem + ".Width.template");
        string target = Path.Combine(root, stem + ".Vector" + bits + ".cs");
        string rendered = Render(File.ReadAllText(template).Replace("\r\n", "\n"), bits, Path.GetFileName(template));
        if (Environment.GetEnvironmentVariable("LOSSGEN_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(target, rendered);
            return;
        }

        Assert.True(File.Exists(target), target + " is missing; run the tests with LOSSGEN_UPDATE_BASELINES=1");
        Assert.True(File.ReadAllText(target).Replace("\r\n", "\n") == rendered,
            $"{target} is not the rendering of {template} at {bits} bits: edit the template, then run the tests with LOSSGEN_UPDATE_BASELINES=1");
    }

    [Fact]
    public void Rendering_substitutes_the_width_and_keeps_only_the_lines_for_it()
    {
        const string template = "// template docs\nusing X;\nVectorW<T> a = VectorH.Create(OneHot_W<T>());\nWidthBitsW\n//+half\nhalf\n//-half\n//+full\nfull\n//-full\nend\n";
        Assert.Equal("// Rendered from T at 256 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.\nusing X;\nVector256<T> a = Vector128.Create(OneHot<T>());\nWidth256\nhalf\nend\n", Render(template, 256, "T"));
        Assert.Equal("// Rendered from T at 128 bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.\nusing X;\nVector128<T> a = Vector64.Create(OneHot128<T>());\nWidth128\nfull\nend\n", Render(template, 128, "T"));
    }

    /// <summary>
    /// The template at <paramref name="bits"/>: its opening comment (the template's own docs) replaced by a note of where
    /// the file comes from; <c>VectorW</c> the width's vector type, <c>VectorH</c> half of it, <c>_W</c> the suffix of a
    /// helper without a vector parameter (none at 256 bits), <c>BitsW</c> the width's bit count; lines between <c>//+half</c> and <c>//-half</c> kept where a
    /// half width exists to fall back to (above 128 bits), between <c>//+full</c> and <c>//-full</c> where it does not.
    /// </summary>
    public static string Render(string template, int bits, string templateName)
    {
        var output = new StringBuilder();
        output.Append($"// Rendered from {templateName} at {bits} bits by tests/LossGen.Runtime.Tests/WidthTemplateTests.cs: edit the template, not this file.\n");
        bool hasHalf = bits > 128;
        bool keep = true;
        bool opening = true;
        var lines = new List<string>(template.Split('\n'));
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        foreach (string line in lines)
        {
            if (opening && line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            opening = false;
            switch (line.Trim())
            {
                case "//+half":
                    keep = hasHalf;
                    continue;
                case "//+full":
                    keep = !hasHalf;
                    continue;
                case "//-half" or "//-full":
                    keep = true;
                    continue;
            }

            if (keep)
            {
                output.Append(line
                    .Replace("VectorW", "Vector" + bits)
                    .Replace("VectorH", "Vector" + bits / 2)
                    .Replace("BitsW", bits.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .Replace("_W", bits == 256 ? string.Empty : bits.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    .Append('\n');
            }
        }

        return output.ToString();
    }

    private static string Root()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "LossGen.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new DirectoryNotFoundException("LossGen.sln not found above " + AppContext.BaseDirectory);
    }
}
