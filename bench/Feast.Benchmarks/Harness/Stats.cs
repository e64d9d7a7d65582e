using System.Globalization;

namespace Feast.Benchmarks.Harness;

/// <summary>Medians, percentiles and the number formats the reports share.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
            return double.NaN;
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The <paramref name="p"/>-th percentile (0..100) of sorted values, nearest rank.</summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.IsEmpty)
            return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Seconds(double ms) => Invariant($"{ms / 1000:F2} s");

    public static string MiB(double bytes) => Invariant($"{bytes / 1048576:F0} MiB");

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
