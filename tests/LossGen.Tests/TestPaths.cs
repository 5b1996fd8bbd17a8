using System.IO;

namespace LossGen.Tests;

internal static class TestPaths
{
    /// <summary>The repository root (the folder holding LossGen.sln).</summary>
    public static string Root
    {
        get
        {
            string? directory = System.AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "LossGen.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return directory ?? throw new DirectoryNotFoundException("LossGen.sln not found above " + System.AppContext.BaseDirectory);
        }
    }
}
