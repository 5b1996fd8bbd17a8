using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace LossGen.Package.Tests;

/// <summary>A fenced C# block of a Markdown page, and what the docs test should do with it.</summary>
/// <param name="File">The page, relative to the repository root, with forward slashes.</param>
/// <param name="Line">The 1-based line of the block's first code line in the page.</param>
/// <param name="Code">The code between the fences.</param>
/// <param name="Marker">The <c>&lt;!-- docs-test: ... --&gt;</c> directive just before the fence, if any.</param>
/// <param name="Previous">For <c>with-previous</c>: the blocks of the same page compiled together with this one.</param>
internal sealed record CodeBlock(string File, int Line, string Code, string? Marker, IReadOnlyList<CodeBlock> Previous)
{
    public string Id => $"{File}:{Line}";

    public bool IsSkipped => Marker is not null && Marker.StartsWith("skip", StringComparison.Ordinal);

    public override string ToString() => Id;
}

/// <summary>
/// Finds the C# blocks (```csharp, ```cs, ```c#) of the repository's Markdown pages. A block may be preceded by a directive:
/// <list type="bullet">
/// <item><c>&lt;!-- docs-test: skip REASON --&gt;</c>: not compiled (listed with its reason by the test);</item>
/// <item><c>&lt;!-- docs-test: with-previous --&gt;</c>: compiled together with the page's previous C# block (and that block's own
/// previous ones), for a page that declares a loss in one block and calls it in the next.</item>
/// </list>
/// </summary>
internal static class MarkdownBlocks
{
    private static readonly Regex Fence = new(@"^(?<indent>\s*)(?<fence>`{3,}|~{3,})\s*(?<lang>[^\s`]*)", RegexOptions.Compiled);
    private static readonly Regex Directive = new(@"^\s*<!--\s*docs-test:\s*(?<body>.*?)\s*-->\s*$", RegexOptions.Compiled);
    private static readonly HashSet<string> CSharp = new(StringComparer.OrdinalIgnoreCase) { "csharp", "cs", "c#" };

    /// <summary>The pages whose C# must compile: the README, the package README, docs/ and the samples' READMEs.</summary>
    public static IEnumerable<string> Pages(string root)
    {
        var pages = new List<string> { Path.Combine(root, "README.md"), Path.Combine(root, "runtime", "README.md") };
        foreach (string folder in new[] { "docs", "samples" })
        {
            string path = Path.Combine(root, folder);
            if (Directory.Exists(path))
            {
                pages.AddRange(Directory.EnumerateFiles(path, "*.md", SearchOption.AllDirectories)
                    .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules")));
            }
        }

        return pages.Where(File.Exists).Select(Path.GetFullPath).Distinct().OrderBy(p => p, StringComparer.Ordinal);
    }

    public static IReadOnlyList<CodeBlock> All(string root) =>
        Pages(root).SelectMany(page => Parse(Path.GetRelativePath(root, page).Replace('\\', '/'), File.ReadAllText(page))).ToList();

    public static IEnumerable<CodeBlock> Parse(string file, string text)
    {
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        var blocks = new List<CodeBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = Fence.Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            string fence = open.Groups["fence"].Value;
            int start = i + 1;
            int end = start;
            while (end < lines.Length && !IsClosingFence(lines[end], fence))
            {
                end++;
            }

            if (CSharp.Contains(open.Groups["lang"].Value))
            {
                int indent = open.Groups["indent"].Length;
                string code = string.Join("\n", lines[start..Math.Min(end, lines.Length)].Select(l => l.Length >= indent && string.IsNullOrWhiteSpace(l[..indent]) ? l[indent..] : l.TrimStart()));
                string? marker = MarkerBefore(lines, i);
                IReadOnlyList<CodeBlock> previous = marker == "with-previous" && blocks.Count > 0
                    ? [.. blocks[^1].Previous, blocks[^1]]
                    : [];
                if (marker == "with-previous" && blocks.Count == 0)
                {
                    throw new InvalidDataException($"{file}:{start + 1}: 'with-previous' on the first C# block of the page");
                }

                blocks.Add(new CodeBlock(file, start + 1, code, marker, previous));
            }

            i = end;
        }

        return blocks;
    }

    private static bool IsClosingFence(string line, string fence)
    {
        string trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }

    private static string? MarkerBefore(string[] lines, int fenceLine)
    {
        for (int j = fenceLine - 1; j >= 0; j--)
        {
            if (string.IsNullOrWhiteSpace(lines[j]))
            {
                continue;
            }

            Match directive = Directive.Match(lines[j]);
            return directive.Success ? directive.Groups["body"].Value : null;
        }

        return null;
    }
}
