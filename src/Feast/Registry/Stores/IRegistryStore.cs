namespace Feast.Registry;

/// <summary>
/// Where a Feast registry lives: reads the whole registry (<see cref="RegistryData"/>) and changes it with
/// read-modify-write under an exclusive lock, so that writers in this and other processes never
/// lose each other's changes.
/// </summary>
/// <remarks>
/// A backend persists a <see cref="RegistryData"/> as bytes (<see cref="RegistryData.ToByteArray"/> and
/// <see cref="RegistryData.Parse"/>) or, for a SQL database, as Feast's per-object rows through
/// <see cref="SqlRegistryRows"/>. On every write it <see cref="RegistryData.Stamp"/>s the registry first.
/// </remarks>
public interface IRegistryStore : IAsyncDisposable
{
    /// <summary>Where the registry is kept (a file path or a database URL), for messages.</summary>
    string Description { get; }

    /// <summary>Reads the registry as last written.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The registry, or <see langword="null"/> when no registry has been written yet.</returns>
    /// <exception cref="RegistryException">The registry exists but cannot be read.</exception>
    Task<RegistryData?> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes the registry under an exclusive lock. <paramref name="mutate"/> receives the current
    /// registry (an empty one with <c>registry_schema_version</c> "1" when none exists) and changes it
    /// in place. When it returns <see langword="false"/> nothing is written and the current registry is
    /// returned; otherwise <c>version_id</c> is set to a new uuid4, <c>last_updated</c> to now and
    /// <c>registry_schema_version</c> to "1", and the registry is persisted.
    /// </summary>
    /// <param name="mutate">Changes the registry in place; returns whether anything changed.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The registry as written (or as found, when nothing changed).</returns>
    /// <exception cref="RegistryException">The lock cannot be taken in time, or the registry cannot be read or written.</exception>
    Task<RegistryData> UpdateAsync(Func<RegistryData, bool> mutate, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="UpdateAsync(Func{RegistryData, bool}, CancellationToken)"/> with an asynchronous
    /// <paramref name="mutate"/>, which runs while the lock is held: work that must not interleave with another
    /// writer's (creating or dropping a view's online storage together with the registry change that names it)
    /// goes there.
    /// </summary>
    /// <param name="mutate">Changes the registry in place, under the lock; returns whether anything changed.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The registry as written (or as found, when nothing changed).</returns>
    /// <exception cref="RegistryException">The lock cannot be taken in time, or the registry cannot be read or written.</exception>
    Task<RegistryData> UpdateAsync(Func<RegistryData, CancellationToken, ValueTask<bool>> mutate,
        CancellationToken cancellationToken = default);

    /// <summary>Removes the registry (what <c>feast teardown</c> does).</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the registry if it holds no object of any project, deciding under the same lock as writers so a
    /// concurrent write is never lost (what <c>feast teardown</c> does after removing its project).
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether the registry was removed.</returns>
    Task<bool> DeleteIfEmptyAsync(CancellationToken cancellationToken = default);
}
