using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Feast.Repo;

/// <summary>A repo compiled and loaded: the assembly its definitions live in and the compilation that made it.</summary>
/// <param name="RepoRoot">The full path of the repo root.</param>
/// <param name="Assembly">The emitted assembly, loaded into its own <see cref="RepoLoadContext"/>.</param>
/// <param name="Compilation">The compilation, kept to map types and members back to source.</param>
/// <param name="Elapsed">How long parsing, compiling and emitting took.</param>
internal sealed record CompiledRepo(string RepoRoot, Assembly Assembly, CSharpCompilation Compilation, TimeSpan Elapsed);

/// <summary>Compiles a repo's C# files in memory with Roslyn against the .NET reference assemblies and the Feast SDK.</summary>
internal static class RepoCompiler
{
    /// <summary>The path of the injected syntax tree, as it appears in diagnostics (never a repo file).</summary>
    public const string GlobalUsingsPath = "<feast-global-usings>.cs";

    /// <summary>
    /// Usings every repo file gets, so a file needs no <c>using</c> at all. <c>Feast.ValueType</c> clashes with
    /// <c>System.ValueType</c>; an alias wins over both namespace imports, so <c>ValueType.Int64</c> is Feast's even in a file
    /// that says <c>using System;</c>. No other Feast type clashes with the imported namespaces (a test checks this), and
    /// aliases are kept to the one needed because an alias also conflicts with a repo type of the same name.
    /// </summary>
    public const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.Linq;
        global using Feast;
        global using ValueType = Feast.ValueType;
        """;

    /// <summary>The name of every emitted repo assembly (each lives in its own load context, so the name may repeat).</summary>
    public const string AssemblyName = "Feast.RepoDefinitions";

    internal static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    internal static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        optimizationLevel: OptimizationLevel.Release,
        nullableContextOptions: NullableContextOptions.Enable);

    private static readonly EmitOptions EmitOptions = new(debugInformationFormat: DebugInformationFormat.PortablePdb);

    /// <summary>
    /// The reference set, built once per process: reading the reference assemblies' metadata is the slow part of a first
    /// compile, and the same <see cref="MetadataReference"/> objects let later compilations reuse it.
    /// </summary>
    internal static readonly Lazy<ImmutableArray<MetadataReference>> References = new(CreateReferences);

    /// <summary>Compiles <paramref name="files"/> (full path and text) and loads the result into a new collectible load context.</summary>
    /// <exception cref="RepoCompilationException">The files do not compile; one line per error.</exception>
    /// <param name="repoRoot">The repo directory.</param>
    /// <param name="files">The definition files.</param>
    /// <param name="cancellationToken">Cancels the compilation.</param>
    /// <param name="backends">
    /// The backends whose definition types (data-source kinds) repos may use: their assemblies are referenced and their
    /// namespaces are global usings, as <c>Feast</c>'s are.
    /// </param>
    public static CompiledRepo Compile(string repoRoot, IReadOnlyList<(string Path, string Text)> files, CancellationToken cancellationToken,
        FeastBackends? backends = null)
    {
        var started = Stopwatch.GetTimestamp();
        var usings = GlobalUsings + string.Concat((backends?.DefinitionNamespaces ?? []).Select(ns => $"global using {ns};\n"));
        var references = backends is null || backends.DefinitionAssemblies.Count == 0
            ? References.Value
            : [.. References.Value, .. backends.DefinitionAssemblies.Select(a => MetadataReference.CreateFromFile(a.Location))];
        var trees = new List<SyntaxTree>(files.Count + 1)
        {
            CSharpSyntaxTree.ParseText(SourceText.From(usings, Encoding.UTF8), ParseOptions, GlobalUsingsPath, cancellationToken),
        };
        foreach (var (path, text) in files)
        {
            // Full paths in the trees end up in the PDB, so stack traces of user code name the real file.
            trees.Add(CSharpSyntaxTree.ParseText(SourceText.From(text, Encoding.UTF8), ParseOptions, path, cancellationToken));
        }

        var compilation = CSharpCompilation.Create(AssemblyName, trees, references, CompilationOptions);
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var result = compilation.Emit(pe, pdb, options: EmitOptions, cancellationToken: cancellationToken);
        if (!result.Success)
        {
            var errors = result.Diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error)
                .Select(d => (Diagnostic: d, Span: d.Location.GetMappedLineSpan()))
                .OrderBy(e => e.Span.Path, StringComparer.Ordinal)
                .ThenBy(e => e.Span.StartLinePosition.Line)
                .ThenBy(e => e.Span.StartLinePosition.Character)
                .Select(e => Format(repoRoot, e.Diagnostic, e.Span))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            throw new RepoCompilationException(errors);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);

        pe.Position = 0;
        pdb.Position = 0;
        var context = new RepoLoadContext(Path.GetFileName(repoRoot));
        var assembly = context.LoadFromStream(pe, pdb);
        return new CompiledRepo(repoRoot, assembly, compilation, elapsed);
    }

    /// <summary>Formats an error as <c>relative/path.cs:LINE: error CSxxxx: message</c> (1-based line).</summary>
    internal static string Format(string repoRoot, Diagnostic diagnostic, FileLinePositionSpan span)
    {
        var message = $"error {diagnostic.Id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}";
        if (!span.IsValid || string.IsNullOrEmpty(span.Path))
            return message;
        var path = Path.IsPathRooted(span.Path) ? RepoFiles.Relative(repoRoot, span.Path) : span.Path;
        return string.Create(CultureInfo.InvariantCulture, $"{path}:{span.StartLinePosition.Line + 1}: {message}");
    }

    private static ImmutableArray<MetadataReference> CreateReferences()
    {
        var feast = typeof(FeastObject).Assembly;
        if (string.IsNullOrEmpty(feast.Location))
        {
            throw new FeastException(
                "Feature repos cannot be compiled: the Feast assembly has no file on disk (is this a single-file app?). " +
                "Run feast from a normal (framework-dependent) installation.");
        }
        return [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(feast.Location)];
    }
}
