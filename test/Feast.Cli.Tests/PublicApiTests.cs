using System.Reflection;
using Xunit.Abstractions;

namespace Feast.Tests;

/// <summary>
/// The SDK's public surface (Feast.dll and the backend packages) names no generated protobuf type: those live in the
/// Feast.Protos contracts assembly and Google.Protobuf, which only the protocol edges (the gRPC service, tests) speak.
/// </summary>
public sealed class PublicApiTests(ITestOutputHelper output)
{
    private static readonly string[] SdkAssemblies = ["Feast", "Feast.Redis", "Feast.Postgres", "Feast.DuckDb", "Feast.Remote"];

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void No_public_member_of_the_sdk_exposes_a_protobuf_type()
    {
        var offenders = SdkAssemblies.SelectMany(name => Offenders(Assembly.Load(name))).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var offender in offenders) output.WriteLine(offender);

        Assert.True(offenders.Count == 0, "The public SDK exposes generated protobuf types:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_guard_sees_an_exposed_protobuf_type()
    {
        // The check itself: a public type naming a generated message in a signature or a base type is caught.
        Assert.Equal(
            [
                $"{typeof(Exposing).FullName}.Bytes exposes Google.Protobuf.ByteString",
                $"{typeof(Exposing).FullName}.Field exposes Feast.Protos.Core.Entity",
                $"{typeof(Exposing).FullName}.Method exposes Feast.Protos.Types.Value",
                $"{typeof(Exposing).FullName}.Property exposes Feast.Protos.Core.Registry",
                $"{typeof(Exposing).FullName}.ctor exposes Google.Protobuf.ByteString",
            ],
            Offenders(typeof(Exposing)).Order(StringComparer.Ordinal));
        var viaBase = Offenders(typeof(ExposingBase)).ToList();
        Assert.Contains($"{typeof(ExposingBase).FullName} (base type) exposes Feast.Protos.Core.Entity", viaBase);
        Assert.Contains($"{typeof(ExposingBase).FullName} (interface) exposes Feast.Protos.Core.Entity", viaBase);
        Assert.Empty(Offenders(typeof(PublicApiTests)));
    }

    private static IEnumerable<string> Offenders(Assembly assembly) =>
        assembly.GetTypes().Where(IsVisible).SelectMany(Offenders);

    private static IEnumerable<string> Offenders(Type type)
    {
        var name = type.FullName ?? type.Name;
        if (type.BaseType is { } baseType && Exposed(baseType) is { } viaBase)
            yield return $"{name} (base type) exposes {viaBase}";
        foreach (var implemented in type.GetInterfaces())
        {
            if (Exposed(implemented) is { } viaInterface)
                yield return $"{name} (interface) exposes {viaInterface}";
        }
        foreach (var member in type.GetMembers(Declared).Where(IsVisible))
        {
            foreach (var signatureType in SignatureTypes(member))
            {
                if (Exposed(signatureType) is { } exposed)
                    yield return $"{name}.{MemberName(member)} exposes {exposed}";
            }
        }
    }

    private static string MemberName(MemberInfo member) => member is ConstructorInfo ? "ctor" : member.Name;

    private static IEnumerable<Type> SignatureTypes(MemberInfo member) => member switch
    {
        FieldInfo field => [field.FieldType],
        PropertyInfo property => property.GetIndexParameters().Select(p => p.ParameterType).Prepend(property.PropertyType),
        EventInfo e => e.EventHandlerType is { } handler ? [handler] : [],
        MethodInfo method => method.GetParameters().Select(p => p.ParameterType).Prepend(method.ReturnType)
            .Concat(method.IsGenericMethodDefinition ? method.GetGenericArguments().SelectMany(a => a.GetGenericParameterConstraints()) : []),
        ConstructorInfo ctor => ctor.GetParameters().Select(p => p.ParameterType),
        _ => [],
    };

    /// <summary>The protobuf type <paramref name="type"/> is or contains (as element or generic argument), or null.</summary>
    private static string? Exposed(Type type)
    {
        if (type.HasElementType)
            return Exposed(type.GetElementType()!);
        if (type.IsGenericParameter)
            return null;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            return Exposed(type.GetGenericTypeDefinition()) ?? type.GetGenericArguments().Select(Exposed).FirstOrDefault(e => e is not null);
        var assembly = type.Assembly.GetName().Name;
        if (assembly is "Feast.Protos" or "Google.Protobuf")
        {
            var full = type.FullName ?? type.Name;
            var tick = full.IndexOf('`', StringComparison.Ordinal);
            return tick < 0 ? full : full[..tick];
        }
        return null;
    }

    /// <summary>Whether code outside the assembly can name <paramref name="type"/>: public, or public/protected nested in such a type.</summary>
    private static bool IsVisible(Type type) =>
        type.IsPublic
        || (type.IsNested && (type.IsNestedPublic || type.IsNestedFamily || type.IsNestedFamORAssem) && IsVisible(type.DeclaringType!));

    private static bool IsVisible(MemberInfo member) => member switch
    {
        // Accessors are checked through their property or event; what stays is what a caller or subclass sees.
        MethodInfo { IsSpecialName: true } method when IsAccessor(method.Name) => false,
        MethodBase method => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly,
        FieldInfo field => field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly,
        PropertyInfo property => property.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo e => e.AddMethod is { } add && (add.IsPublic || add.IsFamily || add.IsFamilyOrAssembly),
        // Nested types are checked as types of their own.
        _ => false,
    };

    private static bool IsAccessor(string name) =>
        name.StartsWith("get_", StringComparison.Ordinal) || name.StartsWith("set_", StringComparison.Ordinal)
        || name.StartsWith("add_", StringComparison.Ordinal) || name.StartsWith("remove_", StringComparison.Ordinal);

#pragma warning disable CA1034, CA1051, CA1822 // shapes for the guard to find, not an API
    /// <summary>A public type exposing protobuf types in each kind of signature.</summary>
    public class Exposing(Google.Protobuf.ByteString bytes)
    {
        public Protos.Core.Entity? Field;

        public Protos.Core.Registry? Property { get; set; }

        public Google.Protobuf.ByteString Bytes { get; } = bytes;

        public Task<IReadOnlyList<Protos.Types.Value>> Method() => Task.FromResult<IReadOnlyList<Protos.Types.Value>>([]);

        internal Protos.Core.Project? Hidden { get; set; }
    }

    /// <summary>A public type whose base type and interfaces are generic over a protobuf type.</summary>
    public class ExposingBase : List<Protos.Core.Entity>;
#pragma warning restore CA1034, CA1051, CA1822
}
