using System.Diagnostics;
using Feast.Configuration;
using Feast.Online;
using static Feast.Redis.Tests.R;

namespace Feast.Redis.Tests;

/// <summary>A server of the test's own that is killed and restarted: errors are clear and writes are re-runnable.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task ServerKilled_WriteFailsClearly_AfterRestartTheSameWriteCompletes()
    {
        var port = ConfigurationTests.FreePort();
        var server = OwnServer.Start(port);
        try
        {
            await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions { ConnectionString = $"127.0.0.1:{port}" });
            var view = View("stats", "trips", "rides");
            var ids = Enumerable.Range(0, 20_000).Select(i => (long)i).ToArray();
            var batch = Batch(view, T0, ids);
            await store.WriteBatchAsync("p", view, Batch(view, T0, 1, 2, 3));

            server.Kill();
            var write = await Assert.ThrowsAsync<RedisOnlineStoreException>(() => store.WriteBatchAsync("p", view, batch));
            var read = await Assert.ThrowsAsync<RedisOnlineStoreException>(() => store.ReadAsync("p", view, [DriverKey(1)], ["trips"]));

            Assert.Contains($"127.0.0.1:{port}", write.Message, StringComparison.Ordinal);
            Assert.Contains("running and reachable", write.Message, StringComparison.Ordinal);
            Assert.Contains("writing it again is safe", write.Message, StringComparison.Ordinal);
            Assert.Contains($"127.0.0.1:{port}", read.Message, StringComparison.Ordinal);

            // A fresh, empty server on the same port: the multiplexer reconnects and the same write now completes.
            server = OwnServer.Start(port);
            await RetryAsync(() => store.WriteBatchAsync("p", view, batch));

            // Writes use the store's own connections; reads wait for the multiplexer to reconnect too.
            OnlineReadResult? result = null;
            await RetryAsync(async () => result = await store.ReadAsync("p", view, [.. ids.Select(DriverKey)], ["trips", "rides"]));
            Assert.All(ids, id => Assert.Equal(id * 10 + 1, result!.Value((int)id, 1)!.Value.AsInt64()));
        }
        finally
        {
            server.Kill();
        }
    }

    [Fact]
    public async Task ServerKilledDuringALargeWrite_FailsInsteadOfReportingSuccess()
    {
        var port = ConfigurationTests.FreePort();
        var server = OwnServer.Start(port);
        try
        {
            await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions { ConnectionString = $"127.0.0.1:{port}" });
            var view = View("wide", [.. Enumerable.Range(0, 10).Select(i => $"f{i}")]);
            await store.WriteBatchAsync("p", view, Batch(view, T0, 0)); // connected
            var batch = Batch(view, T0, [.. Enumerable.Range(0, 200_000).Select(i => (long)i)]);

            var writing = store.WriteBatchAsync("p", view, batch);
            await Task.Delay(50);
            server.Kill();

            // Either the kill landed mid-write (a clear error) or the write had finished before it: never a silent half write.
            try
            {
                await writing;
                Assert.True(writing.IsCompletedSuccessfully);
            }
            catch (RedisOnlineStoreException e)
            {
                Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            server.Kill();
        }
    }

    private static async Task RetryAsync(Func<Task> action)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (RedisOnlineStoreException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>A redis-server process in the foreground, without persistence.</summary>
    private sealed class OwnServer
    {
        private readonly Process _process;

        private OwnServer(Process process) => _process = process;

        public static OwnServer Start(int port)
        {
            var process = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("redis-server did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                try
                {
                    using var client = new System.Net.Sockets.TcpClient();
                    client.Connect("127.0.0.1", port);
                    return new OwnServer(process);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    Thread.Sleep(50);
                }
            }
            process.Kill();
            throw new InvalidOperationException($"redis-server on port {port} did not come up");
        }

        public void Kill()
        {
            if (_process.HasExited) return;
            _process.Kill();
            _process.WaitForExit();
        }
    }
}
