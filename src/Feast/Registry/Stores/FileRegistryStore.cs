using System.Diagnostics;
using System.Security.Cryptography;

namespace Feast.Registry;

/// <summary>
/// Feast's file registry (<c>registry_type: file</c>): one file holding exactly the serialized
/// <c>feast.core.Registry</c> bytes, the format Python Feast's file registry reads and writes.
/// </summary>
/// <remarks>
/// Writes go to a temporary file next to the registry, are flushed to disk and then renamed over it,
/// so a crash mid-write leaves the previous registry intact. Writers serialize on a lock file
/// (<c>path + ".lock"</c>) held with an exclusive OS lock, which also excludes other processes. The
/// lock file stays in place afterwards: removing it would let two writers lock different files.
/// Python Feast takes no such lock, so it is not excluded by it.
/// </remarks>
public sealed class FileRegistryStore : IRegistryStore
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly string _path;
    private readonly string _lockPath;
    private readonly TimeProvider _timeProvider;

    // Writers in this instance queue here instead of polling the lock file against each other.
    private readonly SemaphoreSlim _localLock = new(1, 1);

    /// <summary>Creates a store for the registry file at <paramref name="path"/>.</summary>
    /// <param name="path">The registry file; it and its directory are created on the first write.</param>
    /// <param name="timeProvider">The clock for <c>last_updated</c>; the system clock when omitted.</param>
    public FileRegistryStore(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = Path.GetFullPath(path);
        _lockPath = _path + ".lock";
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The absolute path of the registry file.</summary>
    public string Description => _path;

    /// <summary>How long a writer waits for the lock file before giving up.</summary>
    internal TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Test hook: called each time the lock file is found held by someone else, before backing off.</summary>
    internal Action? LockBusy { get; init; }

    /// <inheritdoc/>
    public async Task<RegistryData?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var bytes = await ReadBytesAsync(cancellationToken).ConfigureAwait(false);
        return bytes is null ? null : RegistryData.Parse(bytes, _path);
    }

    /// <inheritdoc/>
    public Task<RegistryData> UpdateAsync(Func<RegistryData, bool> mutate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        return UpdateAsync((registry, _) => ValueTask.FromResult(mutate(registry)), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<RegistryData> UpdateAsync(Func<RegistryData, CancellationToken, ValueTask<bool>> mutate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            var current = await ReadBytesAsync(cancellationToken).ConfigureAwait(false);
            var registry = current is null ? RegistryData.CreateEmpty() : RegistryData.Parse(current, _path);
            if (!await mutate(registry, cancellationToken).ConfigureAwait(false))
            {
                // What is stored, even if mutate changed its argument before declining.
                return current is null ? RegistryData.CreateEmpty() : RegistryData.Parse(current, _path);
            }
            registry.Stamp(_timeProvider);
            var bytes = registry.ToByteArray();
            await WriteAtomicallyAsync(bytes, cancellationToken).ConfigureAwait(false);
            registry.KeepWritten(bytes);
            return registry;
        }
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(_path))
            return;
        var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RegistryException($"Cannot delete the registry {_path}: {e.Message}", e);
            }
            DeleteLeftoverTempFiles();
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteIfEmptyAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(_path))
            return false;
        var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            var current = await ReadBytesAsync(cancellationToken).ConfigureAwait(false);
            if (current is null || !RegistryData.Parse(current, _path).HoldsNothing)
                return false;
            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RegistryException($"Cannot delete the registry {_path}: {e.Message}", e);
            }
            DeleteLeftoverTempFiles();
            return true;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _localLock.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]?> ReadBytesAsync(CancellationToken cancellationToken)
    {
        // No lock needed: writers replace the file by rename, so a reader sees either the old or the new file.
        try
        {
            return await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RegistryException($"Cannot read the registry {_path}: {e.Message}", e);
        }
    }

    private async Task WriteAtomicallyAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(_path)!;
        var tempPath = $"{_path}.tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        try
        {
            Directory.CreateDirectory(directory);
            // Temp files of crashed writers are never read; clearing them under the lock is safe because
            // every writer creates its temp file only while holding the lock.
            DeleteLeftoverTempFiles();
            var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                // Durable before the rename: otherwise a power loss could leave a renamed but empty file.
                stream.Flush(flushToDisk: true);
            }
            File.Move(tempPath, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tempPath);
            throw new RegistryException($"Cannot write the registry {_path}: {e.Message}", e);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    private void DeleteLeftoverTempFiles()
    {
        var directory = Path.GetDirectoryName(_path)!;
        if (!Directory.Exists(directory))
            return;
        foreach (var leftover in Directory.EnumerateFiles(directory, Path.GetFileName(_path) + ".tmp-*"))
            TryDelete(leftover);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temp file that cannot be removed is harmless, reads never look at it.
        }
    }

    private async Task<HeldLock> LockAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!await _localLock.WaitAsync(LockTimeout, cancellationToken).ConfigureAwait(false))
            throw LockTimeoutError();
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_lockPath)!);
            var delay = FirstRetryDelay;
            while (true)
            {
                try
                {
                    // FileShare.None takes an exclusive OS lock (flock on Unix), which other processes respect.
                    var file = new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
                    return new HeldLock(file, _localLock);
                }
                catch (IOException) when (Stopwatch.GetElapsedTime(started) < LockTimeout)
                {
                    // Held by another process or store instance: back off with jitter so waiters spread out.
                    LockBusy?.Invoke();
                    var jittered = delay * (0.5 + Random.Shared.NextDouble());
                    await Task.Delay(jittered, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
                }
                catch (IOException e)
                {
                    throw LockTimeoutError(e);
                }
                catch (UnauthorizedAccessException e)
                {
                    throw new RegistryException($"Cannot create the registry lock file {_lockPath}: {e.Message}", e);
                }
            }
        }
        catch
        {
            _localLock.Release();
            throw;
        }
    }

    private RegistryException LockTimeoutError(Exception? inner = null) =>
        new($"Timed out after {LockTimeout.TotalSeconds:0.#} s waiting for the registry lock {_lockPath}: another feast process holds it " +
            "(the OS releases it when that process exits). Try again when it has finished.", inner);

    /// <summary>The held lock file plus this instance's queue; releasing closes the file, which drops the OS lock.</summary>
    private sealed class HeldLock(FileStream file, SemaphoreSlim local) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                local.Release();
            }
        }
    }
}
