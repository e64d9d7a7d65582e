using Feast.Planning;

namespace Feast.Tests.Model;

public class FileSourceTests
{
    [Fact]
    public void Constructor_CsvFormatWithoutCsvExtension_ThrowsNamingTheExtension()
    {
        var e = Assert.Throws<FeastValidationException>(() => new FileSource("data/stats", "ts", fileFormat: FileFormat.Csv));

        Assert.Contains(".csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_CsvGlobWithoutFormat_InfersCsv()
    {
        Assert.Equal(FileFormat.Csv, new FileSource("data/stats/*.csv", "ts").FileFormat);
    }

    [Fact]
    public void Equals_SameContentWithTagsAndMappings_IsEqualAndDeduplicatedByRepoDefinitions()
    {
        FileSource Make() => new("data/x.parquet", "ts", name: "src", fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id" },
            tags: new Dictionary<string, string> { ["team"] = "a" });

        Assert.Equal(Make(), Make());
        var defs = RepoDefinitions.From([Make(), Make()]);
        Assert.Single(defs.DataSources);
        RepoValidator.Prepare(defs with { DataSources = [Make(), Make()] }, "p"); // two equal sources are not a name clash
    }
}
