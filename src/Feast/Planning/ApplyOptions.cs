namespace Feast.Planning;

/// <summary>How <c>FeatureStore.PlanAsync</c> and <c>ApplyAsync</c> treat the repo's data sources.</summary>
public sealed record ApplyOptions
{
    /// <summary>Infer what definitions leave out, and validate every view's batch source.</summary>
    public static ApplyOptions Default { get; } = new();

    /// <summary>
    /// Do not check the feature views' batch sources (Feast's <c>--skip-source-validation</c>): that the file or table
    /// exists and has the timestamp, join-key and feature columns with compatible types. A source is still read when
    /// apply must infer something from it (a missing timestamp field, join-key type or schema).
    /// </summary>
    public bool SkipSourceValidation { get; init; }
}
