using Feast.Benchmarks.Harness;

namespace Feast.Benchmarks.Materialize;

/// <summary>
/// The materialization cases: <c>FeatureStore.MaterializeAsync</c> into SQLite next to the raw batched SQLite insert of
/// the same rows, and diagnostics that split the time between the offline read and the online write.
/// </summary>
internal static class MaterializeCases
{
    public const string Baseline = "m.raw-sqlite";

    public const string Feast = "m.feast";

    public static IReadOnlyList<BenchCase> Cases { get; } =
    [
        new(Baseline, "raw: DuckDB reader → prepared single-row upsert, 10k entity rows per transaction", CaseRole.Baseline, null,
            c => MaterializeRuns.RawAsync(c, new RawVariant())),
        new(Feast, "Feast.NET: FeatureStore.MaterializeAsync", CaseRole.Feast, Baseline, MaterializeRuns.FeastAsync),
        new("m.raw-sqlite-multirow", "diagnostic: raw, one 10-row upsert per entity row (the store's statement shape)", CaseRole.Diagnostic, Baseline,
            c => MaterializeRuns.RawAsync(c, new RawVariant(MultiRow: true))),
        new("m.raw-sqlite-sorted", "what-if: raw, each transaction's rows inserted in entity-key byte order", CaseRole.Diagnostic, Baseline,
            c => MaterializeRuns.RawAsync(c, new RawVariant(SortedKeys: true))),
        new("m.raw-sqlite-cache", "what-if: raw, PRAGMA cache_size of 256 MiB (default 2 MiB)", CaseRole.Diagnostic, Baseline,
            c => MaterializeRuns.RawAsync(c, new RawVariant(CacheMiB: 256))),
        new("m.raw-sqlite-no-ek", "what-if: raw, without the redundant (entity_key) index Feast creates next to the primary key", CaseRole.Diagnostic, Baseline,
            c => MaterializeRuns.RawAsync(c, new RawVariant(WithoutEntityKeyIndex: true))),
        new("m.raw-sqlite-tuned", "what-if: raw, multi-row + key order + 256 MiB cache together (Feast's layout unchanged)", CaseRole.Diagnostic, Baseline,
            c => MaterializeRuns.RawAsync(c, new RawVariant(MultiRow: true, SortedKeys: true, CacheMiB: 256))),
        new("m.store-write", "diagnostic: raw DuckDB read → OnlineWriteBatch of Values → SqliteOnlineStore.WriteBatchAsync", CaseRole.Diagnostic, Baseline,
            MaterializeRuns.StoreWriteAsync),
        new("m.store-write-lww", "diagnostic: m.store-write with last_write_wins (no newer-row check: the statement before it existed)", CaseRole.Diagnostic, Baseline,
            c => MaterializeRuns.StoreWriteAsync(c, lastWriteWins: true, rewrite: false)),
        new("m.store-rewrite", "diagnostic: m.store-write over the same rows already stored (every row a conflict, newer-row check)", CaseRole.Diagnostic, Baseline,
            c => MaterializeRuns.StoreWriteAsync(c, lastWriteWins: false, rewrite: true)),
        new("m.store-rewrite-lww", "diagnostic: m.store-rewrite with last_write_wins (every row replaced unconditionally)", CaseRole.Diagnostic, Baseline,
            c => MaterializeRuns.StoreWriteAsync(c, lastWriteWins: true, rewrite: true)),
        new("m.raw-read", "diagnostic: raw DuckDB read + key, value and text serialization, no writes", CaseRole.Diagnostic, Baseline,
            MaterializeRuns.RawReadAsync),
        new("m.feast-pull", "diagnostic: DuckDbOfflineStore.CountLatestAsync + PullLatestAsync only (batches not converted, nothing written)",
            CaseRole.Diagnostic, Baseline, MaterializeRuns.FeastPullAsync),
    ];

    /// <summary>The cases run at every size; the diagnostics run only at sizes up to 1M rows.</summary>
    public static IReadOnlyList<BenchCase> For(long rows) => rows <= 1_000_000 ? Cases : [.. Cases.Where(c => c.Id is Baseline or Feast)];

    public static BenchCase? Find(string id) => Cases.FirstOrDefault(c => c.Id == id);
}

/// <summary>What a raw-insert case changes against the baseline (one thing at a time).</summary>
/// <param name="MultiRow">One 10-row statement per entity row instead of ten single-row statements.</param>
/// <param name="SortedKeys">Each transaction's rows inserted in entity-key byte order instead of source order.</param>
/// <param name="CacheMiB">SQLite's page cache, if not the default 2 MiB.</param>
/// <param name="WithoutEntityKeyIndex">Drop the <c>{table}_ek</c> index before writing.</param>
internal sealed record RawVariant(bool MultiRow = false, bool SortedKeys = false, int? CacheMiB = null, bool WithoutEntityKeyIndex = false);
