using Microsoft.Extensions.Hosting;

namespace Feast.Server.Hosting;

/// <summary>
/// Reads the registry once before the server starts listening, then again every
/// <see cref="FeastServerOptions.RegistryRefreshInterval"/>, so requests always find a snapshot in memory and never wait
/// for a reload (Feast's feature server refreshes on a timer the same way). A failed refresh keeps the last snapshot.
/// The first read is followed by a warm-up read, so the server is fast from its first request.
/// </summary>
internal sealed class RegistryRefresher(FeastServerState state, TimeProvider time) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await state.RefreshRegistryAsync(initial: true, cancellationToken).ConfigureAwait(false))
            await state.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = state.Options.RegistryRefreshInterval;
        if (interval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                await state.RefreshRegistryAsync(initial: false, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
