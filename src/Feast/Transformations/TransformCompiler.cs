using System.Globalization;
using System.Text;
using Feast.Repo;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Feast.Transformations;

/// <summary>The row function compiled from a transformation's source text, or why it could not be compiled.</summary>
/// <param name="Function">The compiled function, or null when compiling failed.</param>
/// <param name="Problem">What is wrong with the text (one paragraph, then one line per compiler error), or null.</param>
internal sealed record CompiledTransform(Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>? Function, string? Problem)
{
    public bool Succeeded => Function is not null;
}

/// <summary>
/// Compiles the source text <c>feast apply</c> stores for a C# transformation (a method declaration, or a lambda) into a
/// row function, on its own: the text is all the registry keeps, so it must not need the rest of the repo.
/// </summary>
internal static class TransformCompiler
{
    /// <summary>The class the text is compiled into.</summary>
    public const string ClassName = "__FeastTransform";

    /// <summary>The field of <see cref="ClassName"/> holding the row function.</summary>
    public const string EntryField = "__Entry";

    // Diagnostics inside the stored text map to this path, with lines counted from the text's first line.
    private const string TextPath = "<transformation>";
    private const string GeneratedPath = "<feast-transformation>.cs";
    private const string FunctionType = "Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>";

    /// <summary>The canonical shape, quoted in messages.</summary>
    public const string Shape =
        "public static IReadOnlyDictionary<string, object?> Transform(IReadOnlyDictionary<string, object?> inputs) { ... }";

    private const string SelfContained =
        "Feast stores only the transformation's own source text in the registry and compiles it on its own, so it must be " +
        "self-contained: it cannot call other methods or read other members of the repo's classes. Move helpers into the " +
        "method as local functions (e.g. static double? ToDouble(object? v) => ...), and use only .NET and Feast types " +
        "(the text is compiled with using System, System.Collections.Generic, System.Globalization, System.Linq and Feast).";

    public static CompiledTransform Compile(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (source, problem) = Wrap(text);
        if (source is null)
            return new CompiledTransform(null, problem);

        var tree = CSharpSyntaxTree.ParseText(SourceText.From(source, Encoding.UTF8), RepoCompiler.ParseOptions, GeneratedPath, cancellationToken);
        var compilation = CSharpCompilation.Create("Feast.Transformation." + Guid.NewGuid().ToString("N"), [tree],
            RepoCompiler.References.Value, RepoCompiler.CompilationOptions);
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe, cancellationToken: cancellationToken);
        if (!result.Success)
            return new CompiledTransform(null, Describe(result.Diagnostics));

        pe.Position = 0;
        var assembly = new RepoLoadContext("transformation").LoadFromStream(pe);
        var field = assembly.GetType(ClassName)?.GetField(EntryField);
        if (field?.GetValue(null) is not Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> function)
            return new CompiledTransform(null, "The compiled transformation has no entry point (an internal error).");
        return new CompiledTransform(function, null);
    }

    /// <summary>
    /// The compilation unit for <paramref name="text"/>: a method becomes a member of <see cref="ClassName"/> and the entry
    /// field points at it; a lambda initializes the entry field itself. Null with a reason for any other text.
    /// </summary>
    private static (string? Source, string? Problem) Wrap(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
            return (null, "The transformation's source text is empty.");

        var lambda = IsLambda(trimmed);
        string entry;
        if (lambda)
        {
            entry = $"    public static readonly {FunctionType} {EntryField} =";
        }
        else if (SyntaxFactory.ParseMemberDeclaration(trimmed, options: RepoCompiler.ParseOptions) is MethodDeclarationSyntax method
            && method.FullSpan.Length == trimmed.Length)
        {
            entry = $"    public static readonly {FunctionType} {EntryField} = {method.Identifier.ValueText};";
        }
        else
        {
            return (null, "The transformation's source text is neither a C# method declaration nor a lambda. Give the view a " +
                $"static method of the shape {Shape} (or a lambda of type {FunctionType}).");
        }

        var source = new StringBuilder()
            .AppendLine("using System;")
            .AppendLine("using System.Collections.Generic;")
            .AppendLine("using System.Globalization;")
            .AppendLine("using System.Linq;")
            .AppendLine("using Feast;")
            .AppendLine("using ValueType = Feast.ValueType;")
            .AppendLine(CultureInfo.InvariantCulture, $"public static class {ClassName}")
            .AppendLine("{");
        // A lambda initializes the entry field; a method is declared, then the entry field converts its method group.
        if (lambda) source.AppendLine(entry);
        source.AppendLine(CultureInfo.InvariantCulture, $"#line 1 \"{TextPath}\"")
            .AppendLine(lambda ? trimmed + ";" : trimmed)
            .AppendLine("#line default");
        if (!lambda) source.AppendLine(entry);
        source.AppendLine("}");
        return (source.ToString(), null);
    }

    private static bool IsLambda(string text)
    {
        var expression = SyntaxFactory.ParseExpression(text, options: RepoCompiler.ParseOptions);
        return expression is AnonymousFunctionExpressionSyntax && expression.FullSpan.Length == text.Length
            && !expression.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>
    /// Errors in the stored text come first, with lines counted from the text's first line; an error only in the generated
    /// entry means the text compiled but does not have the row-function shape.
    /// </summary>
    private static string Describe(IEnumerable<Diagnostic> diagnostics)
    {
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => (Diagnostic: d, Span: d.Location.GetMappedLineSpan()))
            .ToList();
        var inText = errors.Where(e => e.Span.Path == TextPath)
            .OrderBy(e => e.Span.StartLinePosition.Line).ThenBy(e => e.Span.StartLinePosition.Character)
            .Select(e => string.Create(CultureInfo.InvariantCulture,
                $"  line {e.Span.StartLinePosition.Line + 1}: error {e.Diagnostic.Id}: {e.Diagnostic.GetMessage(CultureInfo.InvariantCulture)}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (inText.Count > 0)
        {
            return "It does not compile on its own:" + Environment.NewLine + string.Join(Environment.NewLine, inText) + Environment.NewLine
                + SelfContained + $" A lambda must be a {FunctionType}.";
        }

        var other = errors.Select(e => $"error {e.Diagnostic.Id}: {e.Diagnostic.GetMessage(CultureInfo.InvariantCulture)}").Distinct(StringComparer.Ordinal);
        return $"It compiles but is not a row transformation: it must be a static method of the shape {Shape} (or a lambda of type " +
            $"{FunctionType}); returning a Dictionary<string, object?> is fine. The compiler said: {string.Join("; ", other)}";
    }
}
