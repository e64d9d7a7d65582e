using System.Reflection;
using Feast.Online;

namespace Feast.Tests.Online;

/// <summary>The public online API (values, online stores, responses, their JSON) names no generated protobuf type.</summary>
public sealed class PublicOnlineApiTests
{
    private static readonly string[] Namespaces = ["Feast.Online", "Feast.Values", "Feast.Serialization", "Feast.Transformations"];

    [Fact]
    public void PublicMembers_ExposeNoProtobufType()
    {
        var offenders = new List<string>();
        var types = typeof(OnlineFeaturesResponse).Assembly.GetExportedTypes()
            .Where(t => t == typeof(FeatureValue) || Namespaces.Contains(t.Namespace));
        foreach (var type in types)
        {
            if (IsProtobuf(type.BaseType)) offenders.Add($"{type.FullName} : {type.BaseType}");
            foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var exposed = member switch
                {
                    FieldInfo f => [f.FieldType],
                    PropertyInfo p => [p.PropertyType],
                    MethodInfo m => [m.ReturnType, .. m.GetParameters().Select(p => p.ParameterType)],
                    ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType).ToArray(),
                    EventInfo e => [e.EventHandlerType!],
                    _ => Array.Empty<Type>(),
                };
                if (exposed.Any(IsProtobuf)) offenders.Add($"{type.FullName}.{member.Name}");
            }
        }
        Assert.Empty(offenders);
    }

    private static bool IsProtobuf(Type? type)
    {
        if (type is null) return false;
        if (type.HasElementType) return IsProtobuf(type.GetElementType());
        if (type.IsGenericType && type.GetGenericArguments().Any(IsProtobuf)) return true;
        var ns = type.Namespace ?? "";
        return ns.StartsWith("Feast.Protos", StringComparison.Ordinal) || ns.StartsWith("Google.Protobuf", StringComparison.Ordinal);
    }
}
