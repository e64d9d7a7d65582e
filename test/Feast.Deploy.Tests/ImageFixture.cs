namespace Feast.Deploy.Tests;

/// <summary>
/// The image under test, once per run: the one eng/test.sh built (<c>$FEAST_TEST_IMAGE</c>), or, when podman's storage
/// does not have it, one this fixture builds with <c>eng/image.sh</c> (a few minutes the first time).
/// </summary>
public sealed class ImageFixture : IAsyncLifetime
{
    /// <summary>The image's name and tag.</summary>
    public string Image { get; } = Run.Image;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        await Run.RequirePodmanAsync();
        var (exists, _) = await Run.CommandAsync("podman", ["image", "exists", Image], TimeSpan.FromMinutes(1));
        if (exists == 0) return;
        var (code, output) = await Run.CommandAsync("bash", [Path.Combine(Run.RepoRoot, "eng", "image.sh")], TimeSpan.FromMinutes(30));
        Assert.True(code == 0, $"eng/image.sh failed ({code}):\n{output}");
        (exists, _) = await Run.CommandAsync("podman", ["image", "exists", Image], TimeSpan.FromMinutes(1));
        Assert.True(exists == 0, $"eng/image.sh did not make {Image}:\n{output}");
    }

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The tests that run containers share one image and run one at a time (they share podman and loopback).</summary>
[CollectionDefinition(Name)]
public sealed class PodmanCollection : ICollectionFixture<ImageFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "podman";
}
