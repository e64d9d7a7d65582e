namespace Feast.Online;

/// <summary>Vector distances as <see cref="DocumentMatch.Distance"/> defines them, accumulated in double precision.</summary>
public static class VectorDistance
{
    /// <summary>The distance from <paramref name="query"/> to <paramref name="stored"/> (equal lengths) by <paramref name="metric"/>.</summary>
    public static double Of(VectorMetric metric, ReadOnlySpan<float> query, ReadOnlySpan<float> stored)
    {
        if (query.Length != stored.Length) throw new ArgumentException("The vectors differ in length.", nameof(stored));
        double dot = 0, qq = 0, ss = 0, l2 = 0;
        for (var i = 0; i < query.Length; i++)
        {
            double a = query[i], b = stored[i];
            dot += a * b;
            qq += a * a;
            ss += b * b;
            var d = a - b;
            l2 += d * d;
        }
        return metric switch
        {
            VectorMetric.Cosine => qq == 0 || ss == 0 ? 1.0 : 1.0 - dot / (Math.Sqrt(qq) * Math.Sqrt(ss)),
            VectorMetric.InnerProduct => -dot,
            _ => Math.Sqrt(l2),
        };
    }
}
