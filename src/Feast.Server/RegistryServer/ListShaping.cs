using System.Globalization;
using Feast.Protos.Registry;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Feast.Server.RegistryServer;

/// <summary>
/// What Feast's registry server does to a list before answering: keep the objects that carry every requested tag,
/// sort by <see cref="SortingParams.SortBy"/> (a dotted path) when given, and cut the page asked for, with the
/// <see cref="PaginationMetadata"/> Feast answers.
/// </summary>
internal static class ListShaping
{
    /// <summary>Whether <paramref name="tags"/> holds every key of <paramref name="wanted"/> with the same value.</summary>
    public static bool HasAllTags(IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> wanted)
    {
        foreach (var (key, value) in wanted)
        {
            if (!tags.TryGetValue(key, out var have) || have != value) return false;
        }
        return true;
    }

    /// <summary>Sorts and pages <paramref name="items"/>; <paramref name="sortTarget"/> gives the message whose fields are sorted on.</summary>
    public static (List<T> Page, PaginationMetadata Metadata) Shape<T>(IReadOnlyList<T> items, PaginationParams? pagination,
        SortingParams? sorting, Func<T, IMessage> sortTarget)
    {
        if (items.Count == 0) return ([], new PaginationMetadata());
        IEnumerable<T> ordered = items;
        if (sorting is not null && !string.IsNullOrWhiteSpace(sorting.SortBy))
        {
            var path = sorting.SortBy.Split('.');
            var keyed = items.Select(i => (Item: i, Key: SortKey.Of(Resolve(sortTarget(i), path))));
            ordered = string.Equals(sorting.SortOrder, "desc", StringComparison.OrdinalIgnoreCase)
                ? keyed.OrderByDescending(k => k.Key).Select(k => k.Item)
                : keyed.OrderBy(k => k.Key).Select(k => k.Item);
        }
        var all = ordered.ToList();
        if (pagination is null || pagination.Page <= 0 || pagination.Limit <= 0)
            return (all, new PaginationMetadata { TotalCount = all.Count, TotalPages = 1 });
        var start = (long)(pagination.Page - 1) * pagination.Limit;
        var page = start >= all.Count ? [] : all.GetRange((int)start, (int)Math.Min(pagination.Limit, all.Count - start));
        var totalPages = (int)(((long)all.Count + pagination.Limit - 1) / pagination.Limit);
        return (page, new PaginationMetadata
        {
            Page = pagination.Page,
            Limit = pagination.Limit,
            TotalCount = all.Count,
            TotalPages = totalPages,
            HasNext = pagination.Page < totalPages,
            HasPrevious = pagination.Page > 1,
        });
    }

    /// <summary>
    /// The value at <paramref name="path"/>: field names as in the .proto (or their JSON names). As Feast sorts its
    /// Python objects, whose <c>name</c> or <c>tags</c> live in the message's <c>spec</c> and timestamps in its
    /// <c>meta</c>, a first name the message lacks is looked up in <c>spec</c>, then <c>meta</c>.
    /// </summary>
    private static object? Resolve(IMessage message, string[] path)
    {
        object? current = message;
        for (var i = 0; i < path.Length; i++)
        {
            if (current is not IMessage m) return null;
            var field = Field(m.Descriptor, path[i]);
            if (field is null && i == 0)
            {
                foreach (var holder in new[] { "spec", "meta" })
                {
                    var inner = Field(m.Descriptor, holder);
                    if (inner?.FieldType != FieldType.Message || inner.IsRepeated) continue;
                    if (inner.Accessor.GetValue(m) is IMessage nested && Field(nested.Descriptor, path[i]) is { } found)
                    {
                        m = nested;
                        field = found;
                        break;
                    }
                }
            }
            if (field is null) return null;
            if (field.FieldType == FieldType.Message && !field.IsRepeated && !field.IsMap && field.Accessor.GetValue(m) is null) return null;
            current = field.Accessor.GetValue(m);
        }
        return current;
    }

    private static FieldDescriptor? Field(MessageDescriptor descriptor, string name) =>
        descriptor.FindFieldByName(name) ?? descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);

    /// <summary>Feast's sort key: missing values first, then text (case-insensitive) and numbers.</summary>
    private readonly record struct SortKey(int Present, string Text, double Number) : IComparable<SortKey>
    {
        public static SortKey Of(object? value) => value switch
        {
            null => new(0, "", 0),
            string s => new(1, s.ToLowerInvariant(), 0),
            bool b => new(1, "", b ? 1 : 0),
            int or long or uint or ulong or float or double => new(1, "", Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            Timestamp t => new(1, t.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture), 0),
            _ => new(1, (value.ToString() ?? "").ToLowerInvariant(), 0),
        };

        public int CompareTo(SortKey other)
        {
            var byText = string.CompareOrdinal(Text, other.Text);
            if (byText != 0) return byText;
            var byPresence = Present.CompareTo(other.Present);
            return byPresence != 0 ? byPresence : Number.CompareTo(other.Number);
        }
    }
}
