using System;
using System.IO;

namespace LossGen.Package.Tests;

internal static class Repository
{
    /// <summary>The repository root (the folder holding LossGen.sln).</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "LossGen.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new DirectoryNotFoundException("LossGen.sln not found above " + AppContext.BaseDirectory);
    }
}
