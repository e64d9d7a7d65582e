namespace Feast;

/// <summary>Where <see cref="FeatureStore.PushAsync"/> writes pushed rows (Feast's <c>PushMode</c>).</summary>
public enum PushMode
{
    /// <summary>To the online store only (the default).</summary>
    Online = 1,

    /// <summary>To the offline store only (appended to the batch source).</summary>
    Offline = 2,

    /// <summary>To both.</summary>
    OnlineAndOffline = 3,
}
