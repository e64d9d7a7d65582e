using Feast.Registry;

namespace Feast.Tests.Registry.Stores;

public sealed class RegistryStoreFactoryTests
{
    [Theory]
    [InlineData("file")]
    [InlineData("")]
    public async Task Create_File_ReturnsFileStoreRelativeToRepo(string type)
    {
        await using var store = RegistryStoreFactory.Create(type, "data/registry.db", "/repo");

        var file = Assert.IsType<FileRegistryStore>(store);
        Assert.Equal("/repo/data/registry.db", file.Description);
    }

    [Fact]
    public async Task Create_FileAbsolutePath_KeepsIt()
    {
        await using var store = RegistryStoreFactory.Create("file", "/var/feast/registry.db", "/repo");

        Assert.Equal("/var/feast/registry.db", store.Description);
    }

    [Fact]
    public async Task Create_Sql_ReturnsSqlStoreRelativeToRepo()
    {
        await using var store = RegistryStoreFactory.Create("sql", "sqlite:///data/registry.db", "/repo");

        var sql = Assert.IsType<SqlRegistryStore>(store);
        Assert.Equal("/repo/data/registry.db", sql.DatabasePath);
    }

    [Fact]
    public void Create_UnknownType_ThrowsListingSupportedTypes()
    {
        var error = Assert.Throws<RegistryException>(() => RegistryStoreFactory.Create("snowflake.registry", "x", "/repo"));

        Assert.Contains("snowflake.registry", error.Message, StringComparison.Ordinal);
        Assert.Contains("file, sql", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_FileOnObjectStorage_ThrowsNamingScheme()
    {
        var error = Assert.Throws<RegistryException>(() => RegistryStoreFactory.Create("file", "s3://bucket/registry.db", "/repo"));

        Assert.Contains("s3://", error.Message, StringComparison.Ordinal);
    }
}
