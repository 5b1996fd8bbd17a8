using System;
using Xunit;

namespace LossGen.Property.Tests;

/// <summary>
/// A regression test for a reported bug in code this suite may not change (generator/Emit, generator/Planning). It fails
/// today; it is skipped unless <c>LOSSGEN_RUN_KNOWN_BUGS=1</c>, so the suite stays green while the bug is open. Remove the
/// attribute's skip (make it a plain [Fact]) with the fix.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KnownBugFactAttribute : FactAttribute
{
    public KnownBugFactAttribute(string bug)
    {
        if (!Enabled)
        {
            Skip = "Known bug, open: " + bug + " (LOSSGEN_RUN_KNOWN_BUGS=1 runs it)";
        }
    }

    public static bool Enabled => Environment.GetEnvironmentVariable("LOSSGEN_RUN_KNOWN_BUGS") == "1";
}
