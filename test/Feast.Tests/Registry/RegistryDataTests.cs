using Feast.Registry;
using Microsoft.Extensions.Time.Testing;

namespace Feast.Tests.Registry;

/// <summary>What <see cref="RegistryData"/> offers a registry backend: Feast's bytes, the stamp, the version.</summary>
public sealed class RegistryDataTests
{
    [Fact]
    public void Parse_PythonWrittenRegistry_ReserializesToTheSameBytes()
    {
        var bytes = File.ReadAllBytes(TestData.FeastRegistryDb);

        var registry = RegistryData.Parse(bytes, "fixture");

        Assert.Equal(bytes, registry.ToByteArray());
        Assert.Equal("4f1c2b4e-8a53-4d8b-9a54-5b7b1b0f2e11", registry.VersionId);
        Assert.Equal("1", registry.SchemaVersion);
        Assert.NotNull(registry.LastUpdated);
        Assert.False(registry.HoldsNothing);
        Assert.Equal(["__dummy", "driver"], RegistrySnapshot.Create("my_project", registry).Entities.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_CutShort_IsADamagedRegistryNamingTheSource()
    {
        var bytes = File.ReadAllBytes(TestData.FeastRegistryDb);

        var error = Assert.Throws<RegistryException>(() => RegistryData.Parse(bytes[..(bytes.Length / 2)], "the fixture"));

        Assert.True(error.Damaged);
        Assert.Contains("the fixture", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateEmpty_HoldsNothingAndIsNeverWritten()
    {
        var empty = RegistryData.CreateEmpty();

        Assert.True(empty.HoldsNothing);
        Assert.Equal(RegistryData.CurrentSchemaVersion, empty.SchemaVersion);
        Assert.Equal("", empty.VersionId);
        Assert.Null(empty.LastUpdated);
        Assert.True(RegistrySnapshot.Create("p", empty).IsEmpty);
    }

    [Fact]
    public void Stamp_SetsANewVersionAndTheClockTime()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var registry = RegistryData.CreateEmpty();

        registry.Stamp(clock);
        var first = registry.VersionId;
        clock.Advance(TimeSpan.FromSeconds(1));
        registry.Stamp(clock);

        Assert.True(Guid.TryParse(first, out _));
        Assert.NotEqual(first, registry.VersionId);
        Assert.Equal(clock.GetUtcNow(), registry.LastUpdated);
        // A stamped empty registry is a whole one: it parses back.
        Assert.Equal(registry.ToByteArray(), RegistryData.Parse(registry.ToByteArray(), "stamped").ToByteArray());
    }

    [Fact]
    public void Clone_ChangesIndependently()
    {
        var registry = RegistryData.Parse(File.ReadAllBytes(TestData.FeastRegistryDb), "fixture");

        var copy = registry.Clone();
        copy.Proto.Entities.Clear();

        Assert.NotEmpty(registry.Proto.Entities);
        Assert.NotEqual(registry.ToByteArray(), copy.ToByteArray());
    }
}
