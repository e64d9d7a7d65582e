using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Hosting;

/// <summary>
/// Ready when the registry has been read and the online store answers a read. A failed background refresh leaves the
/// server ready (it keeps serving the last registry, as Feast's does) and is reported as degraded.
/// </summary>
internal sealed class FeastHealthCheck(FeastServerState state, ILogger<FeastHealthCheck> logger) : IHealthCheck
{
    public const string ReadyTag = "ready";

    /// <summary>
    /// The data key of the reason a check failed. Reasons can name paths and hosts, so the description says only what
    /// failed and the reason is shown to authenticated callers only (and logged).
    /// </summary>
    public const string DetailKey = "detail";

    private static readonly byte[][] ProbeKey = [[0]];

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!state.RegistryLoaded)
        {
            return state.LastRefreshError is { } error
                ? HealthCheckResult.Unhealthy("The registry has not been read yet; see the server's log.", data: Detail(error.Message))
                : HealthCheckResult.Unhealthy("The registry has not been read yet.");
        }

        var store = state.Store;
        if (store.OnlineStore is { } online)
        {
            try
            {
                // The storage is still the one opened (a SQLite file deleted or replaced under the server is noticed here).
                await online.CheckStorageAsync(cancellationToken).ConfigureAwait(false);
                // A read of a key no one has: it reaches the store (the file, the server) without finding anything.
                var registry = await store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                var view = FirstOnlineView(registry);
                if (view is not null)
                {
                    string[] features = view.Features.Count > 0 ? [view.Features[0].Name] : [];
                    await online.ReadAsync(store.Project, view, ProbeKey, features, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogMessages.OnlineStoreUnhealthy(logger, e.Message, e);
                return HealthCheckResult.Unhealthy("The online store did not answer; see the server's log.", data: Detail(e.Message));
            }
        }

        return state.LastRefreshError is { } refresh
            ? HealthCheckResult.Degraded("Serving the last registry read; the latest refresh failed (see the server's log).", data: Detail(refresh.Message))
            : HealthCheckResult.Healthy();
    }

    private static Dictionary<string, object> Detail(string reason) => new(StringComparer.Ordinal) { [DetailKey] = reason };

    private static FeatureView? FirstOnlineView(Registry.RegistrySnapshot registry)
    {
        foreach (var view in registry.FeatureViews.Values)
        {
            if (view.Online) return view;
        }
        return null;
    }
}
