namespace Feast.Tests;

/// <summary>
/// A fact that needs a Linux command-line tool: reported as skipped, with the reason, where the tool is missing
/// (xunit v2 decides skips at discovery, so a test that returned early would pass without testing anything).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string toolPath)
    {
        ToolPath = toolPath;
        if (!OperatingSystem.IsLinux()) Skip = $"needs Linux (for {toolPath})";
        else if (!File.Exists(toolPath)) Skip = $"needs {toolPath}, which is not installed";
    }

    /// <summary>The absolute path of the tool the test runs.</summary>
    public string ToolPath { get; }
}
