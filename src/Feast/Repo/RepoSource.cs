using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Feast.Repo;

/// <summary>Where a definition was found: a public static member of a repo type, or an object another definition refers to.</summary>
/// <param name="Member">The member, as <c>Class.Member</c> (namespace-qualified when the class has a namespace).</param>
/// <param name="Location">The member's declaration as <c>relative/path.cs:LINE</c>, when known.</param>
/// <param name="Via">How the object was reached from the member (e.g. <c>batch source of feature view 'x'</c>), or null.</param>
internal sealed record DefinitionSite(string Member, string? Location, string? Via = null)
{
    /// <summary>A site for an object reached through another definition found at this site.</summary>
    public DefinitionSite Through(string via) => this with { Via = via };

    /// <inheritdoc/>
    public override string ToString()
    {
        var where = Location is null ? Member : $"{Member} ({Location})";
        return Via is null ? where : $"{Via} {where}";
    }
}

/// <summary>Maps compiled repo types, members and delegates back to the repo's source text.</summary>
internal sealed partial class RepoSource(CompiledRepo repo)
{
    /// <summary>The full path of the repo root.</summary>
    public string RepoRoot => repo.RepoRoot;

    /// <summary>The assembly compiled from the repo.</summary>
    public Assembly Assembly => repo.Assembly;

    /// <summary>The display name of a type: its full name with '.' between nested types.</summary>
    public static string TypeName(Type type) => (type.FullName ?? type.Name).Replace('+', '.');

    /// <summary>The site of the public static member <paramref name="member"/> of <paramref name="type"/>.</summary>
    public DefinitionSite Site(Type type, string member)
    {
        var symbol = FindType(type)?.GetMembers(member).FirstOrDefault();
        var location = symbol?.Locations.FirstOrDefault(l => l.IsInSource);
        return new DefinitionSite($"{TypeName(type)}.{member}", location is null ? null : Format(location));
    }

    /// <summary>A source location as <c>relative/path.cs:LINE</c>.</summary>
    public string Format(Location location)
    {
        var span = location.GetMappedLineSpan();
        return string.Create(CultureInfo.InvariantCulture, $"{Relative(span.Path)}:{span.StartLinePosition.Line + 1}");
    }

    /// <summary>A path inside the repo relative to its root; other paths unchanged.</summary>
    public string Relative(string path) => Path.IsPathRooted(path) ? RepoFiles.Relative(RepoRoot, path) : path;

    /// <summary>
    /// The transformation <paramref name="transform"/> as a registry UDF: the method's name and the full source text of its
    /// declaration. For a lambda, the text is the lambda passed as <c>transform:</c> in the member the view was found in
    /// (or that member's whole declaration) and the name is <c>&lt;lambda&gt;</c>, as Python names anonymous functions.
    /// Null when the method is not defined in the repo.
    /// </summary>
    public UserDefinedFunction? Udf(Delegate transform, Type foundIn, string foundMember, CancellationToken cancellationToken)
    {
        var method = transform.Method;
        if (method.Module.Assembly != Assembly || method.DeclaringType is null)
            return null;

        if (!method.Name.StartsWith('<'))
        {
            var syntax = FindMethodSyntax(method, cancellationToken);
            return syntax is null ? null : new UserDefinedFunction(method.Name, syntax.ToString(), []);
        }

        // A local function compiles to "<Outer>g__Name|i_j".
        var local = LocalFunctionName().Match(method.Name);
        if (local.Success)
        {
            var name = local.Groups[1].Value;
            var declaration = repo.Compilation.SyntaxTrees
                .SelectMany(t => t.GetRoot(cancellationToken).DescendantNodes().OfType<LocalFunctionStatementSyntax>())
                .FirstOrDefault(f => f.Identifier.ValueText == name);
            if (declaration is not null)
                return new UserDefinedFunction(name, declaration.ToString(), []);
        }

        var member = FindType(foundIn)?.GetMembers(foundMember).FirstOrDefault();
        var memberSyntax = member?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken);
        var memberDeclaration = memberSyntax?.AncestorsAndSelf().OfType<MemberDeclarationSyntax>().FirstOrDefault();
        if (memberDeclaration is null)
            return null;
        var lambdas = memberDeclaration.DescendantNodes().OfType<AnonymousFunctionExpressionSyntax>().ToList();
        var lambda = memberDeclaration.DescendantNodes().OfType<ArgumentSyntax>()
            .FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "transform" && a.Expression is AnonymousFunctionExpressionSyntax)
            ?.Expression
            ?? (lambdas.Count == 1 ? lambdas[0] : null);
        return new UserDefinedFunction("<lambda>", (lambda ?? (SyntaxNode)memberDeclaration).ToString(), []);
    }

    private SyntaxNode? FindMethodSyntax(MethodInfo method, CancellationToken cancellationToken)
    {
        var type = FindType(method.DeclaringType!);
        if (type is null)
            return null;
        var parameters = method.GetParameters();
        var candidates = type.GetMembers(method.Name).OfType<IMethodSymbol>()
            .Where(m => m.Parameters.Length == parameters.Length)
            .ToList();
        var symbol = candidates.Count <= 1
            ? candidates.FirstOrDefault()
            : candidates.FirstOrDefault(m => m.Parameters.Select(p => p.Type.MetadataName)
                .SequenceEqual(parameters.Select(p => p.ParameterType.Name), StringComparer.Ordinal)) ?? candidates[0];
        // A partial method has a declaration without a body and one with; the one with the body is the text that matters.
        var syntaxes = symbol?.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).ToList() ?? [];
        return syntaxes.FirstOrDefault(s => s is BaseMethodDeclarationSyntax { Body: not null } or BaseMethodDeclarationSyntax { ExpressionBody: not null })
            ?? syntaxes.FirstOrDefault();
    }

    private INamedTypeSymbol? FindType(Type type) =>
        type.FullName is { } name ? repo.Compilation.Assembly.GetTypeByMetadataName(name) : null;

    [GeneratedRegex(@"^<[^>]*>g__([^|]+)\|")]
    private static partial Regex LocalFunctionName();
}
