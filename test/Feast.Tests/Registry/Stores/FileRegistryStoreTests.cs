using Feast.Model.Proto;
using Feast.Registry;
using Google.Protobuf;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Tests.Registry.Stores;

public sealed class FileRegistryStoreTests : RegistryStoreConformanceTests
{
    private static string PythonRegistry => TestData.FeastRegistryDb;

    private string RegistryPath => Temp.File("data/registry.db");

    private protected override IRegistryStore NewStore(TimeProvider clock) => new FileRegistryStore(RegistryPath, clock);

    private protected override RegistryProto AsRead(RegistryProto written) => written;

    [Fact]
    public async Task UpdateAsync_Written_FileIsExactlyTheSerializedRegistry()
    {
        var written = await Store().UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));

        var bytes = await File.ReadAllBytesAsync(RegistryPath);
        Assert.Equal(written.Proto, RegistryProto.Parser.ParseFrom(bytes));
        Assert.Equal(written.ToByteArray(), bytes);
    }

    [Fact]
    public async Task ReadAsync_RegistryWrittenByPythonFeast_LoadsItsObjects()
    {
        File.Copy(PythonRegistry, Temp.File("registry.db"));
        await using var store = new FileRegistryStore(Temp.File("registry.db"), Clock);

        var registry = (await store.ReadAsync())?.Proto;

        Assert.NotNull(registry);
        Assert.Equal(["driver", "__dummy"], registry.Entities.Select(e => e.Spec.Name));
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], registry.FeatureViews.Select(v => v.Spec.Name));
        Assert.Equal(["transformed_conv_rate"], registry.OnDemandFeatureViews.Select(v => v.Spec.Name));
        Assert.Equal(["driver_activity_v1"], registry.FeatureServices.Select(s => s.Spec.Name));
        Assert.Equal(["driver_hourly_stats_source", "driver_stats_push_source", "vals_to_add"], registry.DataSources.Select(d => d.Name));
        Assert.Equal(["readers"], registry.Permissions.Select(p => p.Spec.Name));
        Assert.Equal(["my_project"], registry.Projects.Select(p => p.Spec.Name));
        Assert.All(registry.Entities, e => Assert.Equal("my_project", e.Spec.Project));
        Assert.Equal("1", registry.RegistrySchemaVersion);
        Assert.Equal("4f1c2b4e-8a53-4d8b-9a54-5b7b1b0f2e11", registry.VersionId);
    }

    [Fact]
    public async Task ReadAsync_RegistryWrittenByPythonFeast_ReserializesToSameBytes()
    {
        File.Copy(PythonRegistry, Temp.File("registry.db"));
        await using var store = new FileRegistryStore(Temp.File("registry.db"), Clock);

        var registry = await store.ReadAsync();

        Assert.Equal(await File.ReadAllBytesAsync(PythonRegistry), registry!.ToByteArray());
    }

    [Fact]
    public async Task UpdateAsync_RegistryWrittenByPythonFeast_KeepsItsObjects()
    {
        File.Copy(PythonRegistry, Temp.File("registry.db"));
        await using var store = new FileRegistryStore(Temp.File("registry.db"), Clock);
        var original = (await store.ReadAsync())?.Proto;

        var written = await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Add(RegistryTestData.Entity("my_project", "customer"));
            return true;
        });

        var expected = original!.Clone();
        expected.Entities.Add(RegistryTestData.Entity("my_project", "customer"));
        expected.VersionId = written.VersionId;
        expected.LastUpdated = written.Proto.LastUpdated;
        Assert.Equal(expected, RegistryProto.Parser.ParseFrom(await File.ReadAllBytesAsync(Temp.File("registry.db"))));
        Assert.NotEqual(original.VersionId, written.VersionId);
    }

    [Fact]
    public async Task UpdateAsync_MutateReturnsFalse_FileBytesAndTimeUnchanged()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        var bytes = await File.ReadAllBytesAsync(RegistryPath);
        var past = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(RegistryPath, past);

        await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Clear();
            return false;
        });

        Assert.Equal(bytes, await File.ReadAllBytesAsync(RegistryPath));
        Assert.Equal(past, File.GetLastWriteTimeUtc(RegistryPath));
    }

    [Fact]
    public async Task ReadAsync_PartialTempFileFromCrashedWriter_ReadsOldRegistry()
    {
        var store = Store();
        var written = await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        var half = written.ToByteArray()[..(written.Proto.CalculateSize() / 2)];
        var leftover = RegistryPath + ".tmp-0badc0ffee00";
        await File.WriteAllBytesAsync(leftover, half);

        Assert.Equal(written.Proto, (await Store().ReadAsync())?.Proto);

        // The next writer clears the leftover and writes normally.
        await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Add(RegistryTestData.Entity("alpha", "vehicle"));
            return true;
        });
        Assert.False(File.Exists(leftover));
        Assert.Equal(5, (await Store().ReadAsync())!.Proto.Entities.Count);
    }

    [Fact]
    public async Task UpdateAsync_Written_LeavesNoTempFiles()
    {
        await Store().UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));

        Assert.Equal(["registry.db", "registry.db.lock"], Directory.GetFiles(Temp.File("data")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReadAsync_CorruptFile_ThrowsRegistryExceptionNamingPath()
    {
        Directory.CreateDirectory(Temp.File("data"));
        await File.WriteAllTextAsync(RegistryPath, "this is not a registry");

        var error = await Assert.ThrowsAsync<RegistryException>(() => Store().ReadAsync());

        Assert.Contains(RegistryPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("is not a Feast registry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_CorruptFile_ThrowsAndLeavesFileAlone()
    {
        Directory.CreateDirectory(Temp.File("data"));
        await File.WriteAllTextAsync(RegistryPath, "this is not a registry");

        await Assert.ThrowsAsync<RegistryException>(() => Store().UpdateAsync(_ => true));

        Assert.Equal("this is not a registry", await File.ReadAllTextAsync(RegistryPath));
    }

    [Fact]
    public async Task UpdateAsync_LockHeldElsewhere_ThrowsNamingLockFile()
    {
        Directory.CreateDirectory(Temp.File("data"));
        var lockPath = RegistryPath + ".lock";
        using var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        await using var store = new FileRegistryStore(RegistryPath, Clock) { LockTimeout = TimeSpan.FromMilliseconds(200) };

        var error = await Assert.ThrowsAsync<RegistryException>(() => store.UpdateAsync(_ => true));

        Assert.Contains(lockPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("another feast process holds it", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(RegistryPath));
    }

    [Fact]
    public async Task UpdateAsync_LockReleasedWhileWaiting_Proceeds()
    {
        Directory.CreateDirectory(Temp.File("data"));
        var held = new FileStream(RegistryPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var store = new FileRegistryStore(RegistryPath, Clock) { LockBusy = () => busy.TrySetResult() };

        var update = store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        await busy.Task.WaitAsync(TimeSpan.FromSeconds(30)); // it found the lock held and is waiting
        Assert.False(update.IsCompleted);
        await held.DisposeAsync();

        Assert.Equal(4, (await update).Proto.Entities.Count);
    }

    // flock(1) takes the same kind of OS lock .NET takes for FileShare.None on Unix.
    private const string Flock = "/usr/bin/flock";

    [ToolFact(Flock)]
    public async Task UpdateAsync_LockHeldByAnotherProcess_WaitsForIt()
    {
        Directory.CreateDirectory(Temp.File("data"));
        var lockPath = RegistryPath + ".lock";
        // The other process holds the lock until told to let go, so a slow machine cannot end the wait early.
        using var other = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Flock, [lockPath, "sh", "-c", "echo locked; read line"])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        })!;
        Assert.Equal("locked", await other.StandardOutput.ReadLineAsync());
        await using var impatient = new FileRegistryStore(RegistryPath, Clock) { LockTimeout = TimeSpan.FromMilliseconds(100) };

        await Assert.ThrowsAsync<RegistryException>(() => impatient.UpdateAsync(_ => true));
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var patient = new FileRegistryStore(RegistryPath, Clock) { LockBusy = () => busy.TrySetResult() };
        var update = patient.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        await busy.Task.WaitAsync(TimeSpan.FromSeconds(30)); // it found the other process's lock and is waiting
        Assert.False(update.IsCompleted);
        await other.StandardInput.WriteLineAsync("release");
        await other.StandardInput.FlushAsync();
        var written = await update;

        await other.WaitForExitAsync();
        Assert.Equal(written.Proto, (await Store().ReadAsync())?.Proto);
    }

    [Fact]
    public async Task UpdateAsync_MissingDirectory_CreatesIt()
    {
        await using var store = new FileRegistryStore(Temp.File("a/b/c/registry.db"), Clock);

        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));

        Assert.True(File.Exists(Temp.File("a/b/c/registry.db")));
    }

    [Fact]
    public async Task DeleteIfEmptyAsync_RegistryWithObjects_KeepsTheFileUntilEmptied()
    {
        var store = Store();
        await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Add(ProtoConverter.ToProto(new Entity("driver", ["driver_id"], ValueType.Int64), "other"));
            r.Proto.Projects.Add(new Feast.Protos.Core.Project { Spec = new Feast.Protos.Core.ProjectSpec { Name = "other" } });
            return true;
        });

        Assert.False(await store.DeleteIfEmptyAsync());
        Assert.True(File.Exists(RegistryPath));

        await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Clear();
            r.Proto.Projects.Clear();
            return true;
        });
        Assert.True(await store.DeleteIfEmptyAsync());
        Assert.False(File.Exists(RegistryPath));
    }
}
