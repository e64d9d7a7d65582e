using Feast.Repo;

namespace Feast.Tests.Repo;

public class RepoCompilerTests
{
    /// <summary>Namespaces a repo file is likely to import on top of the injected global usings (the SDK's implicit usings).</summary>
    private static readonly string[] CommonUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    [Fact]
    public void Compile_EveryPublicFeastTypeByItsSimpleName_ResolvesToFeastWithCommonUsings()
    {
        var feastTypes = typeof(FeastObject).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "Feast" && !t.IsNested && !t.IsGenericTypeDefinition)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var text = string.Join("\n", CommonUsings.Select(u => $"using {u};")) + "\n" +
            "public static class Uses\n{\n    public static readonly Type[] All =\n    [\n" +
            string.Join(",\n", feastTypes.Select(t => $"        typeof({t.Name})")) + "\n    ];\n}\n";
        using var repo = new TempRepo().Write("uses.cs", text);

        var compiled = RepoCompiler.Compile(repo.Root, [(Path.Combine(repo.Root, "uses.cs"), text)], CancellationToken.None);

        var all = (Type[])compiled.Assembly.GetType("Uses")!.GetField("All")!.GetValue(null)!;
        Assert.Equal(feastTypes, all);
    }

    [Fact]
    public void Compile_RepoObjects_AreInstancesOfTheHostTypes()
    {
        const string Text = "public static class E { public static readonly Entity Driver = new(\"driver\"); }";
        using var repo = new TempRepo();

        var compiled = RepoCompiler.Compile(repo.Root, [(Path.Combine(repo.Root, "e.cs"), Text)], CancellationToken.None);

        var driver = compiled.Assembly.GetType("E")!.GetField("Driver")!.GetValue(null);
        Assert.IsType<Entity>(driver);
        Assert.Same(typeof(FeastObject).Assembly, compiled.Assembly.GetReferencedAssemblies()
            .Select(System.Reflection.Assembly.Load)
            .Single(a => a.GetName().Name == "Feast"));
        Assert.True(System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(compiled.Assembly)!.IsCollectible);
    }
}
