using System.Globalization;
using System.Text.Json;

namespace Feast.Server.OfflineServer;

/// <summary>
/// The JSON command of a Flight descriptor, as Feast's remote offline store writes it: <c>command_id</c>, <c>api</c>
/// and the api's parameters (<c>feature_view_names</c>, <c>feature_refs</c>, <c>start_date</c>, ...). A missing or
/// mistyped parameter is a <see cref="FeastValidationException"/> that names it.
/// </summary>
internal sealed class OfflineCommand
{
    private readonly JsonElement _root;

    private OfflineCommand(string text, JsonElement root, string api)
    {
        Text = text;
        _root = root;
        Api = api;
    }

    /// <summary>The command text, as the client sent it (the key of its flight).</summary>
    public string Text { get; }

    /// <summary>The api called (<c>get_historical_features</c>, <c>offline_write_batch</c>, ...).</summary>
    public string Api { get; }

    /// <summary>Reads a descriptor's command.</summary>
    /// <exception cref="FeastValidationException">The command is not a JSON object with an <c>api</c> string.</exception>
    public static OfflineCommand Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new FeastValidationException(
                "The Flight descriptor has no command. Send a command descriptor whose command is Feast's JSON (command_id, api and the api's parameters).");
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FeastValidationException(
                $"The Flight descriptor's command is not JSON ({e.Message}). Send Feast's JSON command: {{\"command_id\": ..., \"api\": ..., parameters}}.");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new FeastValidationException("The Flight descriptor's command is not a JSON object. Send Feast's JSON command: {\"command_id\": ..., \"api\": ..., parameters}.");
        if (!root.TryGetProperty("api", out var api) || api.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(api.GetString()))
            throw new FeastValidationException(
                $"The command has no 'api'. Name the offline store method to call, one of: {string.Join(", ", OfflineApi.All)}.");
        return new OfflineCommand(text, root, api.GetString()!);
    }

    /// <summary>Whether the command has <paramref name="name"/> with a non-null value.</summary>
    public bool Has(string name) => _root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A mandatory string parameter.</summary>
    public string String(string name) =>
        OptionalString(name) ?? throw Missing(name, "a string");

    /// <summary>A string parameter that may be absent or null.</summary>
    public string? OptionalString(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(name, "a string");
    }

    /// <summary>A mandatory boolean parameter.</summary>
    public bool Boolean(string name)
    {
        if (!_root.TryGetProperty(name, out var value)) throw Missing(name, "true or false");
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false"),
        };
    }

    /// <summary>A mandatory list of strings (a null item stays null: Feast's name aliases).</summary>
    public IReadOnlyList<string?> Strings(string name)
    {
        if (!_root.TryGetProperty(name, out var value)) throw Missing(name, "a list of strings");
        if (value.ValueKind != JsonValueKind.Array) throw Wrong(name, "a list of strings");
        var items = new List<string?>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),
                JsonValueKind.Null => null,
                _ => throw Wrong(name, "a list of strings"),
            });
        }
        return items;
    }

    /// <summary>A list of strings with no null item.</summary>
    public IReadOnlyList<string> Names(string name) =>
        [.. Strings(name).Select(s => s ?? throw Wrong(name, "a list of strings without nulls"))];

    /// <summary>
    /// A date parameter in Python's <c>isoformat()</c> (<c>2024-01-02T03:04:05.123456+00:00</c>); a naive time means
    /// UTC, as Feast's <c>make_tzaware</c> reads it. Null when absent or null.
    /// </summary>
    public DateTimeOffset? Date(string name)
    {
        var text = OptionalString(name);
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
            return date;
        throw new FeastValidationException($"The command's '{ServerErrors.Clip(name)}' is not an ISO 8601 date: '{ServerErrors.Clip(text)}'. Send it as Python's datetime.isoformat() writes it.");
    }

    private FeastValidationException Missing(string name, string what) =>
        new($"The {Api} command has no '{name}' ({what}); it is a mandatory parameter of {Api}.");

    private FeastValidationException Wrong(string name, string what) =>
        new($"The {Api} command's '{name}' is not {what}.");
}

/// <summary>The api names of Feast's offline server, as its remote offline store sends them.</summary>
internal static class OfflineApi
{
    public const string GetHistoricalFeatures = "get_historical_features";
    public const string PullAll = "pull_all_from_table_or_query";
    public const string PullLatest = "pull_latest_from_table_or_query";
    public const string SourceColumns = "get_table_column_names_and_types_from_data_source";
    public const string OfflineWriteBatch = "offline_write_batch";
    public const string WriteLoggedFeatures = "write_logged_features";
    public const string Persist = "persist";
    public const string ValidateDataSource = "validate_data_source";

    /// <summary>The apis answered by <c>do_get</c> (after a <c>do_put</c> of the entity rows or an empty table).</summary>
    public static readonly string[] Reads = [GetHistoricalFeatures, PullAll, PullLatest, SourceColumns];

    /// <summary>The apis carried out by <c>do_put</c> itself.</summary>
    public static readonly string[] Writes = [OfflineWriteBatch, WriteLoggedFeatures, Persist, ValidateDataSource];

    /// <summary>Every api.</summary>
    public static readonly string[] All = [.. Reads, .. Writes];
}
