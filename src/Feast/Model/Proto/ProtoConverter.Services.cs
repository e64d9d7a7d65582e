// ProtoConverter: feature services, permissions and their policies.
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;
using PT = Feast.Protos.Types;

// Python Feast still writes and reads the deprecated user_defined_function fields, so this converter must too.
#pragma warning disable CS0612

namespace Feast.Model.Proto;

internal static partial class ProtoConverter
{
    // ---- services, permissions ----

    public static P.FeatureService ToProto(FeatureService service, string project)
    {
        var spec = new P.FeatureServiceSpec { Name = service.Name, Project = project, Description = service.Description, Owner = service.Owner };
        spec.Features.Add(service.Projections.Select(ToProto));
        AddAll(spec.Tags, service.Tags);
        return new P.FeatureService
        {
            Spec = spec,
            Meta = new P.FeatureServiceMeta { CreatedTimestamp = ToTimestamp(service.CreatedTimestamp), LastUpdatedTimestamp = ToTimestamp(service.LastUpdatedTimestamp) },
        };
    }

    public static FeatureService FromProto(P.FeatureService proto)
    {
        var s = proto.Spec;
        var service = new FeatureService(s.Name, [.. s.Features.Select(FromProto)], s.Description, s.Tags, s.Owner);
        return WithMeta(service, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    public static P.Permission ToProto(Permission permission, string project)
    {
        var spec = new P.PermissionSpec { Name = permission.Name, Project = project, Policy = ToProto(permission.Policy) };
        spec.Types_.Add(permission.Types.Select(t => (P.PermissionSpec.Types.Type)(int)t));
        spec.NamePatterns.Add(permission.NamePatterns);
        AddAll(spec.RequiredTags, permission.RequiredTags);
        spec.Actions.Add(permission.Actions.Select(a => (P.PermissionSpec.Types.AuthzedAction)(int)a));
        AddAll(spec.Tags, permission.Tags);
        return new P.Permission
        {
            Spec = spec,
            Meta = new P.PermissionMeta { CreatedTimestamp = ToTimestamp(permission.CreatedTimestamp), LastUpdatedTimestamp = ToTimestamp(permission.LastUpdatedTimestamp) },
        };
    }

    public static Permission FromProto(P.Permission proto)
    {
        var s = proto.Spec;
        var permission = new Permission(s.Name, s.Types_.Select(t => (PermissionResourceType)(int)t), s.NamePatterns,
            s.Actions.Select(a => (AuthzedAction)(int)a), FromProto(s.Policy), s.RequiredTags, s.Tags);
        return WithMeta(permission, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    private static P.Policy ToProto(Policy policy)
    {
        var proto = new P.Policy();
        switch (policy)
        {
            case RoleBasedPolicy role:
                proto.RoleBasedPolicy = new P.RoleBasedPolicy();
                proto.RoleBasedPolicy.Roles.Add(role.Roles);
                break;
            case GroupBasedPolicy group:
                proto.GroupBasedPolicy = new P.GroupBasedPolicy();
                proto.GroupBasedPolicy.Groups.Add(group.Groups);
                break;
            case NamespaceBasedPolicy ns:
                proto.NamespaceBasedPolicy = new P.NamespaceBasedPolicy();
                proto.NamespaceBasedPolicy.Namespaces.Add(ns.Namespaces);
                break;
            case CombinedGroupNamespacePolicy combined:
                proto.CombinedGroupNamespacePolicy = new P.CombinedGroupNamespacePolicy();
                proto.CombinedGroupNamespacePolicy.Groups.Add(combined.Groups);
                proto.CombinedGroupNamespacePolicy.Namespaces.Add(combined.Namespaces);
                break;
            default:
                break; // AllowAll is an empty Policy message, as Python writes it.
        }
        return proto;
    }

    private static Policy FromProto(P.Policy? proto) => proto?.PolicyTypeCase switch
    {
        P.Policy.PolicyTypeOneofCase.RoleBasedPolicy => new RoleBasedPolicy(proto.RoleBasedPolicy.Roles),
        P.Policy.PolicyTypeOneofCase.GroupBasedPolicy => new GroupBasedPolicy(proto.GroupBasedPolicy.Groups),
        P.Policy.PolicyTypeOneofCase.NamespaceBasedPolicy => new NamespaceBasedPolicy(proto.NamespaceBasedPolicy.Namespaces),
        P.Policy.PolicyTypeOneofCase.CombinedGroupNamespacePolicy => new CombinedGroupNamespacePolicy(
            proto.CombinedGroupNamespacePolicy.Groups, proto.CombinedGroupNamespacePolicy.Namespaces),
        _ => Policy.AllowAll,
    };
}
