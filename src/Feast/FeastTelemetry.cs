using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Feast;

/// <summary>
/// What a <see cref="FeatureStore"/> reports about its work, the .NET way: spans on the <see cref="ActivitySource"/>
/// named <see cref="Name"/> and instruments on a <see cref="Meter"/> of the same name (one meter per store, so a host
/// can tell its stores apart). OpenTelemetry picks both up with <c>AddSource("Feast")</c> / <c>AddMeter("Feast")</c>;
/// the feature server turns the instruments into Feast's Prometheus metrics. Without a listener nothing is measured.
/// </summary>
public static class FeastTelemetry
{
    /// <summary>The name of the SDK's activity source and meters.</summary>
    public const string Name = "Feast";

    /// <summary>The online store read phase of one request, in seconds (all views, read concurrently).</summary>
    public const string OnlineStoreReadDuration = "feast.online_store.read.duration";

    /// <summary>One on-demand view's transformation on the read path, in seconds; tags <c>odfv_name</c>, <c>mode</c>.</summary>
    public const string TransformationDuration = "feast.transformation.duration";

    /// <summary>One on-demand view's transformation on the write path, in seconds; tags <c>odfv_name</c>, <c>mode</c>.</summary>
    public const string WriteTransformationDuration = "feast.write_transformation.duration";

    /// <summary>Feature values served, by view and status (<c>present</c>, <c>not_found</c>, <c>outside_max_age</c>).</summary>
    public const string OnlineFeatureStatuses = "feast.online_features.status";

    internal static readonly ActivitySource Source = new(Name, typeof(FeastTelemetry).Assembly.GetName().Version?.ToString(3));
}

/// <summary>The instruments of one <see cref="FeatureStore"/>; <see cref="Meter"/> is disposed with the store.</summary>
internal sealed class FeastInstruments : IDisposable
{
    public FeastInstruments(string project)
    {
        Meter = new Meter(FeastTelemetry.Name, typeof(FeastTelemetry).Assembly.GetName().Version?.ToString(3),
            [new KeyValuePair<string, object?>("feast.project", project)]);
        OnlineStoreRead = Meter.CreateHistogram<double>(FeastTelemetry.OnlineStoreReadDuration, "s", "Duration of the online store read phase of a request");
        Transformation = Meter.CreateHistogram<double>(FeastTelemetry.TransformationDuration, "s", "Duration of on-demand feature view transformations on read");
        WriteTransformation = Meter.CreateHistogram<double>(FeastTelemetry.WriteTransformationDuration, "s", "Duration of on-demand feature view transformations on write");
        Statuses = Meter.CreateCounter<long>(FeastTelemetry.OnlineFeatureStatuses, "{value}", "Feature values served by view and status");
    }

    public Meter Meter { get; }

    public Histogram<double> OnlineStoreRead { get; }

    public Histogram<double> Transformation { get; }

    public Histogram<double> WriteTransformation { get; }

    public Counter<long> Statuses { get; }

    public void Dispose() => Meter.Dispose();
}
