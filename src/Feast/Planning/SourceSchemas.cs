using Feast.Offline;

namespace Feast.Planning;

/// <summary>
/// The columns of the batch sources one plan or apply reads, each read once from the offline store. When the store
/// cannot be created, or cannot read schemas, it says so once (<see cref="Unavailable"/>) and every read returns null.
/// </summary>
internal sealed class SourceSchemas
{
    private readonly Func<IOfflineStore> _store;
    private readonly Dictionary<DataSource, IReadOnlyList<SourceColumn>> _read = [];
    private IOfflineStore? _opened;
    private string? _unavailable;

    /// <param name="store">Creates (or returns) the offline store; may throw <see cref="Configuration.FeastConfigException"/>.</param>
    public SourceSchemas(Func<IOfflineStore> store) => _store = store;

    /// <summary>Why sources cannot be read, as a clause ("no offline store is registered for type 'x' ..."), or null while they can.</summary>
    public string? Unavailable => _unavailable;

    /// <summary>Whether <paramref name="source"/> is one an offline store reads (not a request, push or stream source, nor one Feast.NET does not model).</summary>
    public static bool IsReadable(DataSource source) => source is FileSource or CustomDataSource;

    /// <summary>The columns of <paramref name="source"/>, or null when the offline store cannot tell (see <see cref="Unavailable"/>).</summary>
    /// <exception cref="FeastException">The store could not read the source (missing file or table, failing query).</exception>
    public async Task<IReadOnlyList<SourceColumn>?> GetAsync(DataSource source, CancellationToken cancellationToken)
    {
        if (_read.TryGetValue(source, out var known)) return known;
        if (_unavailable is not null) return null;
        if (_opened is null)
        {
            try
            {
                _opened = _store();
            }
            catch (Configuration.FeastConfigException e)
            {
                _unavailable = $"the offline store is not available ({e.Message.TrimEnd('.')})";
                return null;
            }
        }
        var columns = await _opened.GetSourceSchemaAsync(source, cancellationToken).ConfigureAwait(false);
        if (columns is null)
        {
            _unavailable = $"the offline store ({_opened.GetType().Name}) cannot read source schemas";
            return null;
        }
        _read[source] = columns;
        return columns;
    }

    /// <summary>Records that <paramref name="changed"/> (a copy of <paramref name="original"/> with inferred fields) has the same columns.</summary>
    public void Alias(DataSource original, DataSource changed)
    {
        if (_read.TryGetValue(original, out var columns)) _read[changed] = columns;
    }

    /// <summary>The stored column holding <paramref name="name"/> (a join key or feature as the view names it): the one the field mapping renames to it, else the one of that name.</summary>
    public static SourceColumn? Mapped(DataSource source, IReadOnlyList<SourceColumn> columns, string name)
    {
        var stored = source.FieldMapping.FirstOrDefault(m => m.Value == name).Key ?? name;
        return columns.FirstOrDefault(c => c.Name == stored);
    }

    /// <summary>A timestamp column named as the source definition names it: the column of that name, else the one the field mapping renames to it.</summary>
    public static SourceColumn? Stored(DataSource source, IReadOnlyList<SourceColumn> columns, string name) =>
        columns.FirstOrDefault(c => c.Name == name)
        ?? (source.FieldMapping.FirstOrDefault(m => m.Value == name).Key is { } stored ? columns.FirstOrDefault(c => c.Name == stored) : null);

    /// <summary>The column list for messages: <c>a (BIGINT), b (VARCHAR)</c>.</summary>
    public static string Describe(IReadOnlyList<SourceColumn> columns) =>
        columns.Count == 0 ? "(none)" : string.Join(", ", columns.Select(c => $"{c.Name} ({c.NativeType})"));
}
