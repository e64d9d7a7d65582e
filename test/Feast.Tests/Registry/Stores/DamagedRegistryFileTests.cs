using Feast.Registry;
using Google.Protobuf;

namespace Feast.Tests.Registry.Stores;

/// <summary>
/// A file registry that is not whole is a <see cref="RegistryException"/>, never an empty or partial registry — in
/// particular one cut at a field boundary, which protobuf alone parses "successfully" into a registry without its tail
/// (its permissions, for instance).
/// </summary>
public class DamagedRegistryFileTests
{
    [Fact]
    public async Task ReadAsync_EveryProperPrefixOfAPythonWrittenRegistry_IsRejectedAsDamaged()
    {
        var bytes = await File.ReadAllBytesAsync(TestData.FeastRegistryDb);
        using var temp = new TempDir();
        var path = temp.File("registry.db");
        await using var store = new FileRegistryStore(path);
        var accepted = new List<int>();

        for (var length = 0; length < bytes.Length; length++)
        {
            await File.WriteAllBytesAsync(path, bytes[..length]);
            try
            {
                await store.ReadAsync();
                accepted.Add(length);
            }
            catch (RegistryException e)
            {
                Assert.True(e.Damaged);
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
            }
        }

        Assert.Empty(accepted);
        await File.WriteAllBytesAsync(path, bytes);
        Assert.NotNull(await store.ReadAsync());
    }

    [Fact]
    public async Task ReadAsync_CutJustBeforeThePermissions_SaysTheProjectRecordIsMissing()
    {
        var bytes = await File.ReadAllBytesAsync(TestData.FeastRegistryDb);
        var input = new CodedInputStream(bytes);
        var cut = 0;
        for (var tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            if (WireFormat.GetTagFieldNumber(tag) == 16) break;
            input.SkipLastField();
            cut = (int)input.Position;
        }
        using var temp = new TempDir();
        await File.WriteAllBytesAsync(temp.File("registry.db"), bytes[..cut]);
        // Protobuf alone takes it for a registry without permissions.
        Assert.Empty(Feast.Protos.Core.Registry.Parser.ParseFrom(bytes[..cut]).Permissions);
        await using var store = new FileRegistryStore(temp.File("registry.db"));

        var error = await Assert.ThrowsAsync<RegistryException>(() => store.ReadAsync());

        Assert.Contains("project 'my_project' owns objects but has no project record", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_ZeroBytes_IsDamaged_MissingFile_IsNoRegistryYet()
    {
        using var temp = new TempDir();
        await using var store = new FileRegistryStore(temp.File("registry.db"));
        Assert.Null(await store.ReadAsync());
        await File.WriteAllBytesAsync(temp.File("registry.db"), []);

        var error = await Assert.ThrowsAsync<RegistryException>(() => store.ReadAsync());

        Assert.Contains("empty (0 bytes)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_DamagedRegistry_WritesNothingOverIt()
    {
        var bytes = await File.ReadAllBytesAsync(TestData.FeastRegistryDb);
        using var temp = new TempDir();
        var cut = bytes[..(bytes.Length - 40)];
        await File.WriteAllBytesAsync(temp.File("registry.db"), cut);
        await using var store = new FileRegistryStore(temp.File("registry.db"));

        await Assert.ThrowsAsync<RegistryException>(() => store.UpdateAsync(_ => true));

        Assert.Equal(cut, await File.ReadAllBytesAsync(temp.File("registry.db")));
    }
}
