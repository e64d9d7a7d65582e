using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Feast.Protos.Registry;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// The <c>List*</c> answers the registry server already built, kept serialised for the registry they were built from, and
/// a bound on how many lists are built at once. A list of 1,000 views is ~400 KB: building and serialising it per call
/// was the whole cost of a list, and a flood of them held one answer per queued call.
/// </summary>
/// <remarks>
/// A list filtered by permissions is kept too, under a key that adds what the filter reads of the caller
/// (<see cref="CallerKey"/>: whether it has a name, its roles, groups and namespaces), so two callers whose permissions
/// may differ never share an answer, and callers alike share one. An answer is kept for the exact registry message it
/// was built from (compared by reference: the reader replaces the message on every write or reload that changes it), so
/// a write is never followed by a stale answer. The cache holds the answers of one registry version: at most
/// <see cref="MaxAnswers"/> that depend on no caller and as many filtered ones; past that, answers are built per call.
/// </remarks>
internal sealed class ListAnswers : IDisposable
{
    /// <summary>How many distinct lists (kind, project, tags, page, sort) are kept per registry version, and as many filtered ones.</summary>
    public const int MaxAnswers = 256;

    private readonly TimeSpan _maxWait;

    // An answer's bytes, found by the response marshaller (the answer object is the key, so nothing is looked up by content).
    private static readonly ConditionalWeakTable<IMessage, byte[]> Serialised = new();

    private readonly SemaphoreSlim _builders;
    private Version? _current;

    private sealed class Version(P.Registry registry)
    {
        public P.Registry Registry { get; } = registry;

        public ConcurrentDictionary<string, IMessage> Answers { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, IMessage> Filtered { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Creates the cache.</summary>
    /// <param name="maxBuilding">How many lists are built at once; 0: twice the cores.</param>
    /// <param name="maxWait">How long a list waits for a free builder before it is answered RESOURCE_EXHAUSTED; null: 10 s.</param>
    public ListAnswers(int maxBuilding = 0, TimeSpan? maxWait = null)
    {
        _builders = new SemaphoreSlim(maxBuilding > 0 ? maxBuilding : 2 * Environment.ProcessorCount);
        _maxWait = maxWait ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>
    /// The answer for <paramref name="key"/> over <paramref name="registry"/>: the kept one when <paramref name="keep"/>
    /// (the answer does not depend on the caller) and it was built for this very registry message, else one built by
    /// <paramref name="build"/> once a builder is free (kept when <paramref name="keep"/>).
    /// </summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED: every builder stayed busy for the longest wait.</exception>
    public Task<TResponse> GetAsync<TResponse>(P.Registry registry, string key, bool keep, Func<TResponse> build, CancellationToken ct)
        where TResponse : class, IMessage =>
        GetAsync(registry, key, keep ? RegistryCaller.Anyone : null, build, ct);

    /// <summary>
    /// The answer for <paramref name="key"/> over <paramref name="registry"/> as <paramref name="caller"/> may see it:
    /// the one kept for this very registry message and a caller whose permissions read the same (<see cref="CallerKey"/>),
    /// else one built by <paramref name="build"/> once a builder is free, and kept. A null caller: built, never kept.
    /// </summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED: every builder stayed busy for the longest wait.</exception>
    public async Task<TResponse> GetAsync<TResponse>(P.Registry registry, string key, RegistryCaller? caller, Func<TResponse> build, CancellationToken ct)
        where TResponse : class, IMessage
    {
        var version = caller is null ? null : VersionOf(registry);
        var answers = caller is null || !caller.IsChecked ? version?.Answers : version?.Filtered;
        if (caller is not null && caller.IsChecked) key = CallerKey(caller) + key;
        if (answers is not null && answers.TryGetValue(key, out var kept)) return (TResponse)kept;
        if (!await _builders.WaitAsync(_maxWait, ct).ConfigureAwait(false))
            throw new RpcException(new Status(StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
                $"The registry server is busy: every list builder stayed busy for {_maxWait.TotalSeconds:0.#} s. Retry shortly, or ask for a page of the list.")));
        try
        {
            if (answers is not null && answers.TryGetValue(key, out kept)) return (TResponse)kept;
            var answer = build();
            Keep(answer, answer.ToByteArray());
            if (answers is not null && answers.Count < MaxAnswers) answers.TryAdd(key, answer);
            return answer;
        }
        finally
        {
            _builders.Release();
        }
    }

    /// <summary>
    /// What a permission filter reads of <paramref name="caller"/>, as a key: whether it has a user name (a project without
    /// permissions lets only a named user see anything) and its roles, groups and namespaces, each set sorted; empty for
    /// a caller nothing is checked for.
    /// </summary>
    public static string CallerKey(RegistryCaller caller)
    {
        if (caller.User is not { } user) return "";
        var key = new StringBuilder(user.Username.Length > 0 ? "N" : "A");
        foreach (var set in (IReadOnlyList<string>[])[user.Roles, user.Groups, user.Namespaces])
        {
            key.Append('[');
            foreach (var value in set.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)) Append(key, value);
        }
        return key.Append('|').ToString();
    }

    /// <summary>Records the bytes <paramref name="answer"/> serialises to, which the response marshaller then writes as they are.</summary>
    public static void Keep(IMessage answer, byte[] bytes) => Serialised.AddOrUpdate(answer, bytes);

    /// <summary>The bytes of an answer built here (the response marshaller writes them instead of serialising again).</summary>
    public static bool TryGetBytes(IMessage answer, out byte[] bytes) => Serialised.TryGetValue(answer, out bytes!);

    /// <summary>A key naming one list: the RPC, project, tags (sorted), page and sort, each length-prefixed.</summary>
    public static string Key(string rpc, string project, MapField<string, string> tags, PaginationParams? pagination, SortingParams? sorting)
    {
        var key = new StringBuilder();
        Append(key, rpc);
        Append(key, project);
        foreach (var (name, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            Append(key, name);
            Append(key, value);
        }
        key.Append('|');
        Append(key, pagination is null ? "" : Convert.ToBase64String(pagination.ToByteArray()));
        Append(key, sorting is null ? "" : Convert.ToBase64String(sorting.ToByteArray()));
        return key.ToString();
    }

    private static void Append(StringBuilder key, string value) => key.Append(value.Length).Append(':').Append(value);

    /// <inheritdoc/>
    public void Dispose() => _builders.Dispose();

    private Version VersionOf(P.Registry registry)
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current is not null && ReferenceEquals(current.Registry, registry)) return current;
            var next = new Version(registry);
            if (Interlocked.CompareExchange(ref _current, next, current) == current) return next;
        }
    }
}
