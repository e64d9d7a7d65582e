namespace Feast;

/// <summary>
/// "Did you mean …?" for names a user typed: one rule for configuration keys, type names, CLI arguments and object
/// names, so every error suggests the same way.
/// </summary>
public static class DidYouMean
{
    /// <summary>The candidate closest to a misspelt name, if it is close enough to be a likely typo.</summary>
    /// <param name="key">What the user wrote.</param>
    /// <param name="candidates">The valid names.</param>
    /// <returns>The likely intended name, or <see langword="null"/> when none is close (edit distance at most a third of the name, at least 1).</returns>
    public static string? Suggest(string key, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EditDistance(key, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best is not null && bestDistance <= Math.Max(1, key.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
