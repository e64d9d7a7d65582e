using System.Text.Json.Nodes;

namespace Feast.Cli.Tests.Commands;

/// <summary><c>feast features list</c> and <c>feast features describe</c>, over the applied driver example.</summary>
[Collection(AppliedReposCollection.Name)]
public class FeatureCommandsTests(AppliedReposFixture repos)
{
    [Fact]
    public async Task FeaturesList_Table_ShowsFeastsColumnsOneRowPerFeature()
    {
        var result = (await repos.Plain.RunAsync("features", "list")).ExpectOk();

        var lines = TextTable.Lines(result.Stdout);
        Assert.Matches(@"^\s*Feature\s+Feature View\s+Data Type\s*$", lines.First(l => l.Trim().Length > 0));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+conv_rate\s+driver_hourly_stats\s+Float32\s*$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+avg_daily_trips\s+driver_hourly_stats_fresh\s+Int64\s*$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+conv_rate_plus_val1\s+transformed_conv_rate\s+Float64\s*$"));
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task FeaturesList_Json_ListsBatchThenOnDemandThenStreamViewsFeatures()
    {
        var result = (await repos.Extended.RunAsync("features", "list", "--output", "json")).ExpectOk();

        var rows = JsonNode.Parse(result.Stdout)!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(["feature_name", "feature_view", "dtype"], rows[0].Select(p => p.Key));
        Assert.Equal(("conv_rate", "driver_hourly_stats", "Float32"), Row(rows[0]));
        Assert.Equal(
            ["driver_hourly_stats", "driver_hourly_stats_fresh", "transformed_conv_rate", "transformed_conv_rate_fresh", "driver_pushed_stream", "driver_trips_stream"],
            rows.Select(r => (string)r["feature_view"]!).Distinct());
        Assert.Contains(("trips_last_hour", "driver_trips_stream", "Int64"), rows.Select(Row));
        Assert.StartsWith("[\n    {\n        \"feature_name\": ", result.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeaturesList_FeatureView_OnlyThatViewsFeatures()
    {
        var result = (await repos.Plain.RunAsync("features", "list", "--feature-view", "transformed_conv_rate", "--output", "JSON")).ExpectOk();

        Assert.Equal(
            [("conv_rate_plus_val1", "transformed_conv_rate", "Float64"), ("conv_rate_plus_val2", "transformed_conv_rate", "Float64")],
            JsonNode.Parse(result.Stdout)!.AsArray().Select(r => Row(r!.AsObject())));
    }

    [Fact]
    public async Task FeaturesList_BadInputs_FailWithAClearLine()
    {
        var view = (await repos.Plain.RunAsync("features", "list", "--feature-view", "driver_hourly_stat")).Expect(1);
        var format = (await repos.Plain.RunAsync("features", "list", "--output", "yaml")).Expect(2);

        Assert.Equal(
            "Error: Feature view 'driver_hourly_stat' does not exist in project driver_listing. Did you mean 'driver_hourly_stats'? Run 'feast feature-views list' to see them all.\n",
            view.Stderr.ReplaceLineEndings("\n"));
        Assert.StartsWith("Error: --output 'yaml' is not an output format. Use table or json.", format.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeaturesDescribe_BareName_ShowsItInEveryViewThatHasIt()
    {
        var result = (await repos.Plain.RunAsync("features", "describe", "conv_rate")).ExpectOk();

        var details = JsonNode.Parse(result.Stdout)!.AsArray().Select(d => d!.AsObject()).ToList();
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], details.Select(d => (string)d["Feature View"]!));
        var first = details[0];
        Assert.Equal(["Feature Name", "Feature View", "Data Type", "Description", "Online Store", "Source"], first.Select(p => p.Key));
        Assert.Equal("Float32", (string)first["Data Type"]!);
        Assert.True((bool)first["Online Store"]!);
        Assert.Equal("driver_hourly_stats_source", (string)first["Source"]!["name"]!);
        Assert.Equal("data/driver_stats.parquet", (string)first["Source"]!["fileOptions"]!["uri"]!);
    }

    [Fact]
    public async Task FeaturesDescribe_ViewAndFeatureOfAnOnDemandView_HasNoOnlineFlagOrSource()
    {
        var result = (await repos.Plain.RunAsync("features", "describe", "transformed_conv_rate:conv_rate_plus_val1")).ExpectOk();

        var detail = Assert.Single(JsonNode.Parse(result.Stdout)!.AsArray())!.AsObject();
        Assert.Equal("transformed_conv_rate", (string)detail["Feature View"]!);
        Assert.Equal("Float64", (string)detail["Data Type"]!);
        Assert.Equal("N/A", (string)detail["Online Store"]!);
        Assert.Null(detail["Source"]);
    }

    [Theory]
    [InlineData("conv_rat", "Feature 'conv_rat' not found in any feature view. Did you mean 'conv_rate'?")]
    [InlineData("driver_hourly_stats:acc_rat", "Feature 'acc_rat' not found in feature view driver_hourly_stats. Did you mean 'acc_rate'?")]
    [InlineData("driver_stats:conv_rate", "Feature view 'driver_stats' does not exist in project driver_listing.")]
    [InlineData("zzzzzzzz", "Feature 'zzzzzzzz' not found in any feature view. Run 'feast features list'")]
    public async Task FeaturesDescribe_Unknown_FailsWithAClearLine(string reference, string message)
    {
        var result = (await repos.Plain.RunAsync("features", "describe", reference)).Expect(1);

        Assert.StartsWith("Error: " + message, result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Equal("", result.Stdout);
    }

    private static (string, string, string) Row(JsonObject row) =>
        ((string)row["feature_name"]!, (string)row["feature_view"]!, (string)row["dtype"]!);
}

/// <summary>Tables whose headers have spaces (Feast's "Feature View", "ROLE NAME"): read as lines and row blocks.</summary>
internal static class TextTable
{
    public static string[] Lines(string stdout) => stdout.ReplaceLineEndings("\n").Split('\n');

    /// <summary>The cells of the row whose first cell is <paramref name="key"/>, with a wrapped last cell joined by newlines.</summary>
    public static List<string> Row(IReadOnlyList<string> lines, string key, string? second = null)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var cells = lines[i].Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            if (cells.Count == 0 || cells[0] != key || (second is not null && (cells.Count < 2 || cells[1] != second)) || !lines[i].StartsWith("  " + key, StringComparison.Ordinal))
                continue;
            // Continuation lines of the last cell start further right than the first column.
            for (var j = i + 1; j < lines.Count && lines[j].Length > 2 && lines[j][2] == ' ' && lines[j].Trim().Length > 0 && !lines[j].TrimStart().StartsWith('─'); j++)
                cells[^1] += "\n" + lines[j].Trim();
            return cells;
        }
        return [];
    }
}
