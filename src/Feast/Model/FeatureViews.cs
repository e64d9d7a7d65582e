namespace Feast;

/// <summary>A source an <see cref="OnDemandFeatureView"/> reads: a feature view (or a projection of one) or a request source.</summary>
public interface IOnDemandSource
{
    /// <summary>The source's name (feature view name, or request source name).</summary>
    string Name { get; }
}

/// <summary>
/// Which features of a view a consumer uses, under which name, joined on which columns: the result of
/// <see cref="BaseFeatureView.Select"/>, <see cref="BaseFeatureView.WithName"/> and <see cref="BaseFeatureView.WithJoinKeyMap"/>.
/// </summary>
/// <param name="Name">The underlying view's name.</param>
/// <param name="NameAlias">The alias given with <c>WithName</c> ("" if none).</param>
/// <param name="Features">The selected features.</param>
/// <param name="JoinKeyMap">View join key → entity-data column name.</param>
public sealed record FeatureViewProjection(string Name, string NameAlias, IReadOnlyList<Field> Features, IReadOnlyDictionary<string, string> JoinKeyMap)
{
    /// <summary>The name that prefixes feature names in output: the alias if given, else the view's name.</summary>
    public string NameToUse => NameAlias.Length > 0 ? NameAlias : Name;

    /// <inheritdoc/>
    public bool Equals(FeatureViewProjection? other) =>
        other is not null && Name == other.Name && NameAlias == other.NameAlias
        && Guard.SameList(Features, other.Features) && Guard.SameTags(JoinKeyMap, other.JoinKeyMap);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, NameAlias);
}

/// <summary>What feature views of every kind share: features, and a projection that services and joins use.</summary>
public abstract record BaseFeatureView : FeastObject, IOnDemandSource
{
    private protected BaseFeatureView(string name, IEnumerable<Field> features, string description,
        IReadOnlyDictionary<string, string>? tags, string owner, string kind)
        : base(name, description, tags, owner, kind)
    {
        Features = Guard.List(features);
        var duplicate = Features.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new FeastValidationException($"{kind} '{name}' defines feature '{duplicate.Key}' {duplicate.Count()} times. Feature names must be unique within a view.");
        Projection = new FeatureViewProjection(name, "", Features, Guard.EmptyTags);
    }

    /// <summary>The features the view provides.</summary>
    public IReadOnlyList<Field> Features { get; init; }

    /// <summary>The projection used when this view is referenced by a feature service or an on-demand view.</summary>
    public FeatureViewProjection Projection { get; init; }

    /// <summary>A copy of this view that exposes only <paramref name="features"/> (Feast's <c>fv[["a", "b"]]</c>).</summary>
    public BaseFeatureView Select(params string[] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var selected = new List<Field>(features.Length);
        foreach (var name in features)
        {
            // A view without a schema gets its features at apply (inferred from its source); so do the selected ones.
            if (Features.Count == 0 && this is FeatureView)
            {
                selected.Add(new Field(name, FeastType.Invalid));
                continue;
            }
            var field = Features.FirstOrDefault(f => f.Name == name)
                ?? throw new FeastValidationException($"Feature '{name}' is not in {Kind} '{Name}'. Its features are: {string.Join(", ", Features.Select(f => f.Name))}.");
            selected.Add(field);
        }
        return this with { Projection = Projection with { Features = selected } };
    }

    /// <summary>A copy of this view that appears as <paramref name="alias"/> in output names (Feast's <c>with_name</c>).</summary>
    public BaseFeatureView WithName(string alias)
    {
        Guard.NotNullOrEmpty(alias, $"The alias of {Kind} '{Name}'");
        return this with { Projection = Projection with { NameAlias = alias } };
    }

    /// <summary>A copy of this view joined on other columns: view join key → entity-data column (Feast's <c>with_join_key_map</c>).</summary>
    public BaseFeatureView WithJoinKeyMap(IReadOnlyDictionary<string, string> joinKeyMap)
    {
        ArgumentNullException.ThrowIfNull(joinKeyMap);
        return this with { Projection = Projection with { JoinKeyMap = Guard.Tags(joinKeyMap) } };
    }
}

/// <summary>A time window whose rows were loaded into the online store.</summary>
/// <param name="Start">Inclusive start.</param>
/// <param name="End">Inclusive end.</param>
public sealed record MaterializationInterval(DateTimeOffset Start, DateTimeOffset End);

/// <summary>Where a feature view is in its materialization life cycle, numbered as <c>feast.core.FeatureViewState</c>.</summary>
public enum FeatureViewState
{
    Unspecified = 0,
    Created = 1,
    Generated = 2,
    Materializing = 3,
    AvailableOnline = 4,
}

/// <summary>A group of features from one source, keyed by entities, with a TTL.</summary>
public record FeatureView : BaseFeatureView
{
    /// <summary>Creates a feature view.</summary>
    /// <param name="name">The unique view name.</param>
    /// <param name="source">The batch source, or a push/Kafka source (the view is then pushable and reads offline rows from its batch source).</param>
    /// <param name="entities">The entities the features describe; none for an entity-less view.</param>
    /// <param name="ttl">How far back from a request time a row may be; zero or null means no limit.</param>
    /// <param name="schema">The feature columns, and optionally the join-key columns with their types.</param>
    /// <param name="online">Whether the view is materialized to the online store.</param>
    /// <param name="offline">Whether the view is written to the offline store.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    public FeatureView(string name, DataSource source, IEnumerable<Entity>? entities = null, TimeSpan? ttl = null,
        IEnumerable<Field>? schema = null, bool online = true, bool offline = false, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : this(name, source, Guard.List(entities), ttl, Guard.List(schema), online, offline, description, tags, owner, "feature view")
    {
    }

    private protected FeatureView(string name, DataSource source, IReadOnlyList<Entity> entities, TimeSpan? ttl,
        IReadOnlyList<Field> schema, bool online, bool offline, string description,
        IReadOnlyDictionary<string, string>? tags, string owner, string kind)
        : base(name, SplitFeatures(schema, entities), description, tags, owner, kind)
    {
        if (source is null)
            throw new FeastValidationException($"{kind} '{name}' needs a source (e.g. a FileSource) and got null. {Guard.OrderHint}");
        if (source is RequestSource)
            throw new FeastValidationException($"{kind} '{name}': a RequestSource cannot feed a feature view; use it in an OnDemandFeatureView.");
        Guard.NonNegative(ttl, $"{kind} '{name}'");
        var duplicateEntity = entities.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicateEntity is not null)
            throw new FeastValidationException($"{kind} '{name}' lists entity '{duplicateEntity.Key}' twice.");

        Entities = [.. entities.Select(e => e.Name)];
        EntityColumns = [.. entities.Select(e => schema.FirstOrDefault(f => f.Name == e.JoinKey)
            ?? new Field(e.JoinKey, FeastType.FromValueType(e.ValueType)))];
        Ttl = ttl ?? TimeSpan.Zero;
        (BatchSource, StreamSource) = source switch
        {
            PushSource push => (push.BatchSource, (DataSource?)push),
            KafkaSource kafka => (kafka.BatchSource ?? throw new FeastValidationException($"{kind} '{name}': Kafka source '{kafka.Name}' has no batchSource; give it one so the view has offline data."), kafka),
            _ => (source, null),
        };
        Online = online;
        Offline = offline;
    }

    /// <summary>The names of the entities the view is keyed by (empty for an entity-less view).</summary>
    public IReadOnlyList<string> Entities { get; init; }

    /// <summary>The join-key columns with their types, one per entity.</summary>
    public IReadOnlyList<Field> EntityColumns { get; init; }

    /// <summary>The join keys of the view, in entity order.</summary>
    public IEnumerable<string> JoinKeys => EntityColumns.Select(c => c.Name);

    /// <summary>How far back from a request time a row may be; <see cref="TimeSpan.Zero"/> means no limit.</summary>
    public TimeSpan Ttl { get; init; }

    /// <summary>The offline source of the view's rows.</summary>
    public DataSource BatchSource { get; init; }

    /// <summary>The push or stream source, if the view is pushable or streamed.</summary>
    public DataSource? StreamSource { get; init; }

    /// <summary>Whether the view is materialized to the online store.</summary>
    public bool Online { get; init; }

    /// <summary>Whether the view is written to the offline store.</summary>
    public bool Offline { get; init; }

    /// <summary>The time windows already loaded into the online store.</summary>
    public IReadOnlyList<MaterializationInterval> MaterializationIntervals { get; init; } = [];

    /// <summary>Where the view is in its materialization life cycle (set by the registry).</summary>
    public FeatureViewState State { get; init; }

    /// <summary>Whether the view has no entities (Feast keys such views by the dummy entity).</summary>
    public bool IsEntityless => Entities.Count == 0;

    /// <inheritdoc/>
    public override string Kind => "FeatureView";

    private static IReadOnlyList<Field> SplitFeatures(IReadOnlyList<Field> schema, IReadOnlyList<Entity> entities)
    {
        var joinKeys = entities.Select(e => e.JoinKey).ToHashSet(StringComparer.Ordinal);
        return [.. schema.Where(f => !joinKeys.Contains(f.Name))];
    }
}

/// <summary>An aggregation a stream feature view computes over a time window.</summary>
/// <param name="Column">The input column.</param>
/// <param name="Function">The function (<c>sum</c>, <c>count</c>, <c>mean</c>, <c>max</c>, <c>min</c>, ...).</param>
/// <param name="TimeWindow">The window length.</param>
/// <param name="SlideInterval">The slide interval (zero for tumbling windows).</param>
/// <param name="Name">The output name ("" for Feast's default).</param>
public sealed record Aggregation(string Column, string Function, TimeSpan TimeWindow, TimeSpan SlideInterval = default, string Name = "");

/// <summary>A user-defined transformation, as stored in the registry.</summary>
/// <param name="Name">The function name.</param>
/// <param name="BodyText">The function's source text.</param>
/// <param name="Body">Serialized function bytes (Python Feast stores a dill pickle; empty for C#).</param>
public sealed record UserDefinedFunction(string Name, string BodyText, byte[] Body)
{
    /// <inheritdoc/>
    public bool Equals(UserDefinedFunction? other) =>
        other is not null && Name == other.Name && BodyText == other.BodyText && Body.AsSpan().SequenceEqual(other.Body);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, BodyText);
}

/// <summary>A feature view fed from a stream (Kafka) or push source, optionally aggregating over windows.</summary>
public sealed record StreamFeatureView : FeatureView
{
    /// <summary>Creates a stream feature view.</summary>
    public StreamFeatureView(string name, DataSource source, IEnumerable<Entity>? entities = null, TimeSpan? ttl = null,
        IEnumerable<Field>? schema = null, IEnumerable<Aggregation>? aggregations = null, string mode = "",
        string timestampField = "", UserDefinedFunction? udf = null, bool online = true, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, source, Guard.List(entities), ttl, Guard.List(schema), online, false, description, tags, owner, "stream feature view")
    {
        if (source is not (KafkaSource or PushSource))
            throw new FeastValidationException($"Stream feature view '{name}': its source '{source.Name}' is a {source.SourceTypeName}; it must be a KafkaSource or PushSource.");
        Aggregations = Guard.List(aggregations);
        Mode = mode ?? "";
        TimestampField = timestampField ?? "";
        Udf = udf;
    }

    /// <summary>The windowed aggregations.</summary>
    public IReadOnlyList<Aggregation> Aggregations { get; init; }

    /// <summary>The transformation mode.</summary>
    public string Mode { get; init; }

    /// <summary>The timestamp column used for aggregation windows.</summary>
    public string TimestampField { get; init; }

    /// <summary>The transformation, if any.</summary>
    public UserDefinedFunction? Udf { get; init; }

    /// <inheritdoc/>
    public override string Kind => "StreamFeatureView";
}

/// <summary>Features computed at request time (and optionally at write time) from other features and request data.</summary>
public sealed record OnDemandFeatureView : BaseFeatureView
{
    /// <summary>The mode Feast.NET stores for transformations written in C#.</summary>
    public const string CSharpMode = "csharp";

    /// <summary>Creates an on-demand feature view.</summary>
    /// <param name="name">The unique view name.</param>
    /// <param name="sources">Feature views (or projections of them) and request sources the transformation reads.</param>
    /// <param name="schema">The output features.</param>
    /// <param name="udf">The transformation as stored in the registry; filled in by <c>feast apply</c> from <paramref name="transform"/>'s source text when null.</param>
    /// <param name="transform">The C# method that computes the outputs; its source text is stored in the registry.</param>
    /// <param name="mode">The transformation mode (<c>csharp</c> for C# transformations; Python Feast writes <c>pandas</c> or <c>python</c>).</param>
    /// <param name="writeToOnlineStore">Whether outputs are computed at write time and stored online.</param>
    /// <param name="entities">Entities, for views written to the online store.</param>
    /// <param name="singleton">Whether the transformation runs on one row at a time.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    public OnDemandFeatureView(string name, IEnumerable<IOnDemandSource> sources, IEnumerable<Field> schema,
        UserDefinedFunction? udf = null, Delegate? transform = null, string mode = CSharpMode, bool writeToOnlineStore = false,
        IEnumerable<Entity>? entities = null, bool singleton = false, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, Guard.List(schema), description, tags, owner, "on demand feature view")
    {
        var list = Guard.List(sources);
        if (list.Count == 0)
            throw new FeastValidationException($"On demand feature view '{name}' has no sources. Give it the feature views and request sources its transformation reads.");
        if (Features.Count == 0)
            throw new FeastValidationException($"On demand feature view '{name}' has an empty schema. List its output features.");
        var sourceList = new List<OnDemandSourceRef>(list.Count);
        foreach (var source in list)
        {
            sourceList.Add(source switch
            {
                BaseFeatureView view => new OnDemandSourceRef(view.Projection, null),
                RequestSource request => new OnDemandSourceRef(null, request),
                FeatureViewProjectionSource projection => new OnDemandSourceRef(projection.Projection, null),
                _ => throw new FeastValidationException($"On demand feature view '{name}': source '{source.Name}' is a {source.GetType().Name}; sources must be feature views or request sources."),
            });
        }
        var duplicate = sourceList.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new FeastValidationException($"On demand feature view '{name}' lists source '{duplicate.Key}' twice.");
        Sources = sourceList;
        Udf = udf;
        Transform = transform;
        Mode = mode ?? "";
        WriteToOnlineStore = writeToOnlineStore;
        var entityList = Guard.List(entities);
        Entities = [.. entityList.Select(e => e.Name)];
        EntityColumns = [.. entityList.Select(e => new Field(e.JoinKey, FeastType.FromValueType(e.ValueType)))];
        Singleton = singleton;
    }

    /// <summary>The sources, keyed by name.</summary>
    public IReadOnlyList<OnDemandSourceRef> Sources { get; init; }

    /// <summary>The transformation as stored in the registry.</summary>
    public UserDefinedFunction? Udf { get; init; }

    /// <summary>The C# method that computes the outputs, when the view was defined in C# code (not stored).</summary>
    public Delegate? Transform { get; init; }

    /// <summary>The transformation mode.</summary>
    public string Mode { get; init; }

    /// <summary>Whether outputs are computed at write time and stored online.</summary>
    public bool WriteToOnlineStore { get; init; }

    /// <summary>Entity names, for views written to the online store.</summary>
    public IReadOnlyList<string> Entities { get; init; }

    /// <summary>The join-key columns, for views written to the online store.</summary>
    public IReadOnlyList<Field> EntityColumns { get; init; }

    /// <summary>Whether the transformation runs on one row at a time.</summary>
    public bool Singleton { get; init; }

    /// <summary>The request sources among <see cref="Sources"/>.</summary>
    public IEnumerable<RequestSource> RequestSources => Sources.Where(s => s.RequestSource is not null).Select(s => s.RequestSource!);

    /// <summary>The feature-view projections among <see cref="Sources"/>.</summary>
    public IEnumerable<FeatureViewProjection> SourceProjections => Sources.Where(s => s.Projection is not null).Select(s => s.Projection!);

    /// <inheritdoc/>
    public override string Kind => "OnDemandFeatureView";
}

/// <summary>One source of an <see cref="OnDemandFeatureView"/>: exactly one of a projection or a request source.</summary>
/// <param name="Projection">The feature-view projection, for view sources.</param>
/// <param name="RequestSource">The request source, for request sources.</param>
public sealed record OnDemandSourceRef(FeatureViewProjection? Projection, RequestSource? RequestSource)
{
    /// <summary>The source's key in the registry: the view name or the request source name.</summary>
    public string Name => Projection?.Name ?? RequestSource!.Name;
}

/// <summary>A projection used directly as an on-demand source (e.g. read back from a registry).</summary>
/// <param name="Projection">The projection.</param>
public sealed record FeatureViewProjectionSource(FeatureViewProjection Projection) : IOnDemandSource
{
    /// <inheritdoc/>
    public string Name => Projection.Name;
}

/// <summary>A named set of features (views or projections of them) that one model uses.</summary>
public sealed record FeatureService : FeastObject
{
    /// <summary>Creates a feature service.</summary>
    /// <param name="name">The unique service name.</param>
    /// <param name="features">Feature views, or projections made with <c>Select</c>/<c>WithName</c>/<c>WithJoinKeyMap</c>.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    public FeatureService(string name, IEnumerable<BaseFeatureView> features, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : this(name, Guard.List(features).Select(f => f?.Projection ?? throw new FeastValidationException($"Feature service '{name}' lists a null feature view.")).ToList(), description, tags, owner)
    {
    }

    internal FeatureService(string name, IReadOnlyList<FeatureViewProjection> projections, string description,
        IReadOnlyDictionary<string, string>? tags, string owner)
        : base(name, description, tags, owner, "feature service")
    {
        if (projections.Count == 0)
            throw new FeastValidationException($"Feature service '{name}' has no features. List the feature views (or projections) the model uses.");
        var duplicate = projections.GroupBy(p => p.NameToUse).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new FeastValidationException($"Feature service '{name}' lists '{duplicate.Key}' twice. Use WithName(...) to give a second projection of one view its own name.");
        Projections = projections;
    }

    /// <summary>The projections of views the service serves, in order.</summary>
    public IReadOnlyList<FeatureViewProjection> Projections { get; init; }

    /// <inheritdoc/>
    public override string Kind => "FeatureService";
}
