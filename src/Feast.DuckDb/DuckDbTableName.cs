using System.Text;

namespace Feast.DuckDb;

/// <summary>
/// The table of a <see cref="DuckDbSource"/>: <c>table</c> or <c>schema.table</c>. A part may be double-quoted (with
/// <c>""</c> for a quote inside), so it can hold dots; unquoted parts are trimmed. The catalog is the attached
/// database, so three-part names are rejected.
/// </summary>
internal static class DuckDbTableName
{
    /// <summary>The unquoted parts (one or two), or null when <paramref name="text"/> is not a table name.</summary>
    public static IReadOnlyList<string>? Parse(string text)
    {
        var parts = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
                i++;
            string part;
            if (i < text.Length && text[i] == '"')
            {
                var quoted = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        return null; // unterminated quote
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            quoted.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    quoted.Append(text[i++]);
                }
                part = quoted.ToString();
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                    i++;
            }
            else
            {
                var end = text.IndexOf('.', i);
                if (end < 0)
                    end = text.Length;
                part = text[i..end].Trim();
                if (part.Contains('"', StringComparison.Ordinal))
                    return null;
                i = end;
            }

            if (part.Length == 0)
                return null;
            parts.Add(part);
            if (i == text.Length)
                break;
            if (text[i] != '.')
                return null;
            i++;
        }
        return parts.Count is 1 or 2 ? parts : null;
    }
}
