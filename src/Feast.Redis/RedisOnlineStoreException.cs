namespace Feast.Redis;

/// <summary>
/// The Redis online store could not do what was asked: a server is unreachable or down, or answered with an error.
/// The message names the servers and what to check.
/// </summary>
public sealed class RedisOnlineStoreException : FeastException
{
    /// <summary>Creates the exception for the servers at <paramref name="endpoints"/>.</summary>
    public RedisOnlineStoreException(string message, string endpoints, Exception? innerException)
        : base(message, innerException)
    {
        Endpoints = endpoints;
    }

    /// <summary>The configured servers, <c>host:port,…</c>.</summary>
    public string Endpoints { get; }
}
