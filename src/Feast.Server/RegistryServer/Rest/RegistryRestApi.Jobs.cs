using System.Text.Json.Nodes;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// The saved datasets' creation jobs (<c>/saved_datasets/jobs</c>): Feast runs them in its server process to build a
/// dataset the UI asked for; this server runs none, so it answers as Feast's does before any job started.
/// </summary>
internal sealed partial class RegistryRestApi
{
    /// <summary><c>/saved_datasets/jobs?project=&amp;status=</c>: <c>{"jobs": []}</c>, as Feast's answer without jobs.</summary>
    public static JsonNode DatasetJobs(Call call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return new JsonObject { ["jobs"] = new JsonArray() };
    }

    /// <summary><c>/saved_datasets/jobs/{job_id}</c>: 404 with Feast's message, as for a job its server does not know.</summary>
    public static JsonNode DatasetJob(Call call)
    {
        ArgumentNullException.ThrowIfNull(call);
        throw new DatasetJobNotFoundException(call.Route("job_id"));
    }

    /// <summary>No dataset job of that id (Feast's <c>FeastObjectNotFoundException</c> and message).</summary>
    private sealed class DatasetJobNotFoundException(string id) : FeastObjectNotFoundException("Dataset job", id, null)
    {
        private readonly string _message = $"Dataset job '{id}' not found";

        /// <inheritdoc/>
        public override string Message => _message;

        /// <inheritdoc/>
        public override string FeastErrorClass => nameof(FeastObjectNotFoundException);
    }
}
