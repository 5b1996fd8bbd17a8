using System;
using System.IO;
using System.Linq;
using System.Reflection;
using LossGen.Generator.Emit;
using Xunit;

namespace LossGen.Tests;

/// <summary>The shape of the compiler's source, as docs/architecture.md describes it.</summary>
public class StructureTests
{
    /// <summary>No source file of the generator or the runtime grows past what a reader takes in at once.</summary>
    [Fact]
    public void No_generator_or_runtime_file_is_over_700_lines()
    {
        var tooLong = new[] { "generator", "runtime" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(TestPaths.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !path.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(path => (Path: Path.GetRelativePath(TestPaths.Root, path), Lines: File.ReadAllLines(path).Length))
            .Where(file => file.Lines > 700)
            .ToList();
        Assert.True(tooLong.Count == 0, "over 700 lines: " + string.Join(", ", tooLong.Select(f => $"{f.Path} ({f.Lines})")));
    }

    /// <summary>
    /// The kernel writer keeps no mode: where it is (lanes, the class, the vector index, the tail's mask, the flat
    /// block) travels in its scopes, made where their code starts. Every field of the writer is read-only.
    /// </summary>
    [Fact]
    public void The_kernel_writer_has_no_mutable_fields()
    {
        Type emitter = typeof(IndentedWriter).Assembly.GetType("LossGen.Generator.Emit.KernelEmitter", throwOnError: true)!;
        Type[] types = new[] { emitter }.Concat(emitter.GetNestedTypes(BindingFlags.NonPublic)
            .Where(t => t.IsClass && !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))).ToArray();
        Assert.Contains(types, t => t.Name == "Context");
        var mutable = types
            .SelectMany(t => t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly)
                .Where(f => !f.IsInitOnly)
                .Select(f => t.Name + "." + f.Name))
            .ToList();
        Assert.True(mutable.Count == 0, "mutable fields: " + string.Join(", ", mutable));
    }
}
