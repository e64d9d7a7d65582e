namespace Feast.Redis.Resp;

/// <summary>
/// The replies to one block of pipelined commands, in command order: which were errors (with the server's text) and,
/// when asked for, the bulk strings (null for a nil reply).
/// </summary>
internal sealed class RespReplies
{
    private readonly byte[]?[]? _bulks;
    private List<(int Index, string Message)>? _errors;
    private bool[]? _isError;

    public RespReplies(int count, bool keepBulks)
    {
        Count = count;
        if (keepBulks) _bulks = new byte[count][];
    }

    public int Count { get; }

    /// <summary>The error replies, by command index; empty when every command succeeded.</summary>
    public IReadOnlyList<(int Index, string Message)> Errors => (IReadOnlyList<(int Index, string Message)>?)_errors ?? [];

    /// <summary>The bulk string reply of command <paramref name="index"/>, or null for nil (or when bulks are not kept).</summary>
    public byte[]? Bulk(int index) => _bulks?[index];

    /// <summary>Whether command <paramref name="index"/> failed.</summary>
    public bool IsError(int index) => _isError is not null && _isError[index];

    internal bool KeepsBulks => _bulks is not null;

    internal void SetBulk(int index, byte[] bytes) => _bulks![index] = bytes;

    internal void SetError(int index, string message)
    {
        (_errors ??= []).Add((index, message));
        (_isError ??= new bool[Count])[index] = true;
    }

    /// <summary>Whether an error is a cluster redirection (MOVED or ASK): the key's slot is served by another node.</summary>
    public static bool IsRedirect(string message) =>
        message.StartsWith("MOVED ", StringComparison.Ordinal) || message.StartsWith("ASK ", StringComparison.Ordinal);
}
