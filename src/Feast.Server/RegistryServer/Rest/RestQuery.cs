using System.Globalization;
using Feast.Protos.Registry;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// A query parameter that is missing or malformed: HTTP 422 with <c>error_type</c> <c>RequestValidationError</c>, as
/// FastAPI answers in Feast's REST registry server.
/// </summary>
internal sealed class RestValidationException(string message) : FeastValidationException(message)
{
    /// <inheritdoc/>
    public override string FeastErrorClass => "RequestValidationError";
}

/// <summary>
/// A request the REST API refuses with HTTP 400 and <c>error_type</c> <c>HTTPException</c> (Feast's explicit
/// <c>HTTPException(400)</c>, e.g. a malformed <c>updated_since</c>).
/// </summary>
internal sealed class RestBadRequestException(string message) : FeastValidationException(message)
{
    /// <inheritdoc/>
    public override string FeastErrorClass => "HTTPException";
}

/// <summary>The query parameters of a REST request, read and checked as Feast's FastAPI routes declare them.</summary>
internal sealed class RestQuery(HttpRequest request)
{
    /// <summary>The required <c>project</c> parameter.</summary>
    public string Project => Required("project");

    /// <summary>A required parameter; missing or empty → 422.</summary>
    public string Required(string name)
    {
        var value = Optional(name);
        return string.IsNullOrEmpty(value)
            ? throw new RestValidationException($"Field required: query parameter '{name}' is missing (e.g. ?{name}=my_project).")
            : value;
    }

    /// <summary>An optional parameter (null when absent).</summary>
    public string? Optional(string name) => request.Query.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    /// <summary>A boolean parameter as FastAPI reads one (true/false, 1/0, yes/no, on/off).</summary>
    public bool Bool(string name, bool fallback)
    {
        var value = Optional(name);
        if (value is null) return fallback;
        return value.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" or "t" or "y" => true,
            "false" or "0" or "no" or "off" or "f" or "n" => false,
            _ => throw new RestValidationException($"Input should be a valid boolean: query parameter '{name}' is '{Clip(value)}' (use true or false)."),
        };
    }

    /// <summary>An integer parameter within [<paramref name="min"/>, <paramref name="max"/>]; null when absent.</summary>
    public int? Int(string name, int min, int max)
    {
        var value = Optional(name);
        if (value is null) return null;
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            throw new RestValidationException($"Input should be a valid integer: query parameter '{name}' is '{Clip(value)}'.");
        if (number < min)
            throw new RestValidationException($"Input should be greater than or equal to {min}: query parameter '{name}' is {number}.");
        if (number > max)
            throw new RestValidationException($"Input should be less than or equal to {max}: query parameter '{name}' is {number}.");
        return number;
    }

    /// <summary>The optional <c>page</c> (≥ 1) and <c>limit</c> (1 to 100) of a per-project list; absent means everything.</summary>
    public PaginationParams Pagination() => new() { Page = Int("page", 1, int.MaxValue) ?? 0, Limit = Int("limit", 1, 100) ?? 0 };

    /// <summary>The optional <c>sort_by</c> and <c>sort_order</c> (<c>asc</c> or <c>desc</c>) of a per-project list.</summary>
    public SortingParams Sorting()
    {
        var order = Optional("sort_order");
        if (order is not null && order is not ("asc" or "desc"))
            throw new RestValidationException($"String should match pattern '^(asc|desc)$': query parameter 'sort_order' is '{Clip(order)}'.");
        return new SortingParams { SortBy = Optional("sort_by") ?? "", SortOrder = order ?? "asc" };
    }

    /// <summary>The paging of a cross-project <c>/all</c> list: page ≥ 1 (default 1), limit 1 to 100 (default 50), sort_by, sort_order (default asc).</summary>
    public AllPaging All() => new(Int("page", 1, int.MaxValue) ?? 1, Int("limit", 1, 100) ?? 50, Optional("sort_by"), Optional("sort_order") ?? "asc");

    /// <summary>The <c>tags=key:value</c> parameters (repeatable); a value without a colon is ignored, as Feast does.</summary>
    public Dictionary<string, string> Tags()
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!request.Query.TryGetValue("tags", out var values)) return tags;
        foreach (var tag in values)
        {
            var colon = tag?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (colon < 0) continue;
            tags[tag![..colon]] = tag[(colon + 1)..];
        }
        return tags;
    }

    private static string Clip(string value) => value.Length <= 64 ? value : value[..64] + "...";
}

/// <summary>The page, limit and sorting of a cross-project list.</summary>
internal readonly record struct AllPaging(int Page, int Limit, string? SortBy, string SortOrder);
