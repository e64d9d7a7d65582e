using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Feast.Server;

namespace Feast.Ui;

/// <summary>Serves Feast's web UI (<c>feast ui</c>) from an ASP.NET Core application.</summary>
public static class FeastUiExtensions
{
    /// <summary>
    /// Adds the UI server: the registry server's services (<see cref="RegistryServerExtensions.AddFeastRegistryServer"/>,
    /// which opens the store and re-reads the registry every <see cref="FeastServerOptions.RegistryRefreshInterval"/>), and,
    /// first in the request pipeline, the root path, the UI's pages and documents and the bundle's files. These are open
    /// to anyone, as Feast's UI server has them; the REST API behind them authenticates as the store's <c>auth</c> asks.
    /// Then call <see cref="MapFeastUi"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configureServer">Sets the repo (or store) whose registry the UI shows.</param>
    /// <param name="configureUi">Sets the root path, the bundle folder and the REST API.</param>
    /// <exception cref="InvalidOperationException">No bundle is found (see <see cref="FeastUiBundle.Find"/>).</exception>
    public static IServiceCollection AddFeastUi(this IServiceCollection services, Action<FeastServerOptions> configureServer, Action<FeastUiOptions> configureUi)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureServer);
        ArgumentNullException.ThrowIfNull(configureUi);
        services.AddFeastRegistryServer(configureServer);
        services.Configure(configureUi);
        services.AddSingleton(sp =>
        {
            var directory = sp.GetRequiredService<IOptions<FeastUiOptions>>().Value.BundleDirectory;
            return new FeastUiBundleFolder(FeastUiBundle.Find(directory)
                ?? throw new InvalidOperationException($"The web UI's bundle is not built{(directory is null ? "" : $" in {directory}")}. {FeastUiBundle.BuildHint}"));
        });
        // Before the feature server's filters (access log, authentication): the UI's pages are served to anyone.
        services.Insert(0, ServiceDescriptor.Transient<IStartupFilter, FeastUiStartupFilter>());
        return services;
    }

    /// <summary>
    /// Maps the REST registry API the UI reads at <c>/api/v1</c> (under the root path) through
    /// <see cref="FeastUiOptions.MapRegistryRest"/>; without one, nothing is mapped.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    public static IEndpointRouteBuilder MapFeastUi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<FeastUiOptions>>().Value;
        options.MapRegistryRest?.Invoke(endpoints, FeastUiOptions.RestApiPath);
        return endpoints;
    }

    private sealed class FeastUiStartupFilter(IOptions<FeastUiOptions> options, FeastUiBundleFolder bundle) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var rootPath = FeastUiOptions.NormalizeRootPath(options.Value.RootPath);
            if (rootPath.Length > 0) app.UsePathBase(rootPath);
            app.UseMiddleware<FeastUiMiddleware>();
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(bundle.Path),
                ContentTypeProvider = new FileExtensionContentTypeProvider(),
                // The bundle's names do not change between builds: make the browser ask again (it gets 304 when unchanged).
                OnPrepareResponse = r => r.Context.Response.Headers.CacheControl = "no-cache",
            });
            next(app);
        };
    }
}
