using Feast.Cli.Init;
using Feast.Repo;
using Feast.Transformations;
using Microsoft.Extensions.Time.Testing;

namespace Feast.Cli.Tests.Transformations;

public class OnDemandTransformsTests
{
    private static readonly FeatureView Stats = new("driver_hourly_stats", new FileSource("data/driver_stats.parquet", "event_timestamp"),
        [new Entity("driver", ["driver_id"], ValueType.Int64)], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32)]);

    private static readonly RequestSource Request = new("vals_to_add", [new Field("val_to_add", FeastType.Int64)]);

    private const string AddMethod = """
        public static IReadOnlyDictionary<string, object?> AddValue(IReadOnlyDictionary<string, object?> inputs)
        {
            static double? ToDouble(object? value) =>
                value is null ? null : Convert.ToDouble(value, CultureInfo.InvariantCulture);

            return new Dictionary<string, object?> { ["plus"] = ToDouble(inputs["conv_rate"]) + ToDouble(inputs["val_to_add"]) };
        }
        """;

    private static OnDemandFeatureView View(string bodyText, string mode = OnDemandFeatureView.CSharpMode, Delegate? transform = null,
        string name = "odfv", params Field[] schema) =>
        new(name, [Stats, Request], schema.Length == 0 ? [new Field("plus", FeastType.Float64)] : schema,
            udf: bodyText.Length == 0 ? null : new UserDefinedFunction("AddValue", bodyText, []), transform: transform, mode: mode);

    private static Dictionary<string, object?> Inputs(object? convRate, object? valToAdd) => new()
    {
        ["conv_rate"] = convRate,
        ["driver_hourly_stats__conv_rate"] = convRate,
        ["val_to_add"] = valToAdd,
    };

    [Fact]
    public void Get_MethodText_CompilesAndRunsIt()
    {
        var transform = OnDemandTransforms.Get(View(AddMethod));

        var outputs = transform.Apply(Inputs(0.5f, 2L));

        Assert.Equal(2.5, Assert.IsType<double>(outputs["plus"]));
        Assert.Null(transform.Apply(Inputs(null, 2L))["plus"]);
    }

    [Fact]
    public void Get_SameTextTwice_CompilesOnceAndSharesTheFunction()
    {
        var first = OnDemandTransforms.Get(View(AddMethod, name: "a"));
        var second = OnDemandTransforms.Get(View(AddMethod, name: "b"));

        Assert.NotSame(first, second);
        Assert.Same(first.Function, second.Function);
        Assert.Equal("b", second.View.Name);
    }

    [Fact]
    public void Get_SameViewTwice_ReturnsTheSameTransform()
    {
        var view = View(AddMethod);

        Assert.Same(OnDemandTransforms.Get(view), OnDemandTransforms.Get(view));
    }

    [Fact]
    public void Get_LambdaText_Compiles()
    {
        var view = View("inputs => new Dictionary<string, object?> { [\"plus\"] = (double)(float)inputs[\"conv_rate\"]! * 2 }") with
        {
            Udf = new UserDefinedFunction("<lambda>", "inputs => new Dictionary<string, object?> { [\"plus\"] = (double)(float)inputs[\"conv_rate\"]! * 2 }", []),
        };

        Assert.Equal(3.0, OnDemandTransforms.Get(view).Apply(Inputs(1.5f, 0L))["plus"]);
    }

    [Fact]
    public void Get_MethodReturningDictionaryAsExpressionBody_Compiles()
    {
        var view = View("""
            internal static Dictionary<string, object?> Twice(IReadOnlyDictionary<string, object?> inputs) =>
                new() { ["plus"] = (long)inputs["val_to_add"]! * 2.0 };
            """);

        Assert.Equal(8.0, OnDemandTransforms.Get(view).Apply(Inputs(null, 4L))["plus"]);
    }

    [Fact]
    public void Get_NoTextButDelegate_RunsTheDelegate()
    {
        Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> transform =
            inputs => new Dictionary<string, object?> { ["plus"] = 7 };

        var outputs = OnDemandTransforms.Get(View("", transform: transform)).Apply(Inputs(null, null));

        Assert.Equal(7.0, outputs["plus"]); // an int returned for a Float64 output comes back as a double
    }

    [Fact]
    public void Get_TextAndDelegate_RunsTheText()
    {
        Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> transform = _ => throw new InvalidOperationException("delegate ran");

        var outputs = OnDemandTransforms.Get(View(AddMethod, transform: transform)).Apply(Inputs(1f, 1L));

        Assert.Equal(2.0, outputs["plus"]);
    }

    [Fact]
    public void Get_DelegateOfAnotherShape_ThrowsNamingTheShape()
    {
        var e = Assert.Throws<FeastException>(() => OnDemandTransforms.Get(View("", transform: (Func<long, long>)(x => x * 2))));

        Assert.Contains("Func<Int64, Int64>", e.Message, StringComparison.Ordinal);
        Assert.Contains("IReadOnlyDictionary<string, object?>", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pandas")]
    [InlineData("python")]
    public void Get_PythonMode_ThrowsSayingOnlyCSharpRuns(string mode)
    {
        var view = View("def f(df): return df", mode) with { Udf = new UserDefinedFunction("f", "def f(df): return df", [0x80, 0x04]) };

        var e = Assert.Throws<FeastException>(() => OnDemandTransforms.Get(view));

        Assert.Contains("'odfv'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"Python ({mode}) function pickled by Feast", e.Message, StringComparison.Ordinal);
        Assert.Contains("Feast.NET can only run C# transformations", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_OtherMode_ThrowsNamingTheMode()
    {
        var e = Assert.Throws<FeastException>(() => OnDemandTransforms.Get(View(AddMethod, "spark")));

        Assert.Contains("mode 'spark'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_NoTextNoDelegate_Throws()
    {
        var e = Assert.Throws<FeastException>(() => OnDemandTransforms.Get(View("")));

        Assert.Contains("'odfv' has no transformation", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_TextThatDoesNotCompile_ThrowsWithErrorsAndLinesOfTheText()
    {
        var view = View("""
            public static IReadOnlyDictionary<string, object?> AddValue(IReadOnlyDictionary<string, object?> inputs)
            {
                var x = 1;
                return undefinedVariable;
            }
            """);

        var e = Assert.Throws<FeastValidationException>(() => OnDemandTransforms.Get(view));

        Assert.Contains("'odfv' (method AddValue)", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 4: error CS0103", e.Message, StringComparison.Ordinal);
        Assert.Contains("undefinedVariable", e.Message, StringComparison.Ordinal);
        // A cached failure is reported again, not turned into something else.
        Assert.Equal(e.Message, Assert.Throws<FeastValidationException>(() => OnDemandTransforms.Get(view)).Message);
    }

    [Fact]
    public void Validate_MethodCallingAHelperOfTheRepoClass_ThrowsSayingItMustBeSelfContained()
    {
        var view = View("""
            public static IReadOnlyDictionary<string, object?> AddValue(IReadOnlyDictionary<string, object?> inputs) =>
                new Dictionary<string, object?> { ["plus"] = Helpers.ToDouble(inputs["conv_rate"]) + Offset(1) };
            """);

        var e = Assert.Throws<FeastValidationException>(() => OnDemandTransforms.Validate(view));

        Assert.Contains("line 2: error CS0103: The name 'Helpers' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("must be self-contained", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MethodOfTheWrongShape_ThrowsNamingTheShape()
    {
        var view = View("public static long Twice(long x) => x * 2;");

        var e = Assert.Throws<FeastValidationException>(() => OnDemandTransforms.Validate(view));

        Assert.Contains("not a row transformation", e.Message, StringComparison.Ordinal);
        Assert.Contains(TransformCompiler.Shape, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TextThatIsNeitherMethodNorLambda_Throws()
    {
        var e = Assert.Throws<FeastValidationException>(() => OnDemandTransforms.Validate(View("return x;")));

        Assert.Contains("neither a C# method declaration nor a lambda", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PythonMode_IsAValidationError()
    {
        Assert.Throws<FeastValidationException>(() => OnDemandTransforms.Validate(View(AddMethod, "pandas")));
    }

    [Fact]
    public void Validate_GoodText_Passes() => OnDemandTransforms.Validate(View(AddMethod));

    [Fact]
    public void Apply_UserCodeThrows_WrapsItNamingTheView()
    {
        var view = View("""
            public static IReadOnlyDictionary<string, object?> AddValue(IReadOnlyDictionary<string, object?> inputs) =>
                throw new InvalidOperationException("boom");
            """);

        var e = Assert.Throws<OnDemandTransformationException>(() => OnDemandTransforms.Get(view).Apply(Inputs(1f, 1L)));

        Assert.Equal("odfv", e.FeatureViewName);
        Assert.Contains("'odfv' threw InvalidOperationException: boom", e.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(e.InnerException);
    }

    [Fact]
    public void Apply_UserCodeReadsAMissingInput_WrapsTheKeyNotFound()
    {
        var view = View("""
            public static IReadOnlyDictionary<string, object?> AddValue(IReadOnlyDictionary<string, object?> inputs) =>
                new Dictionary<string, object?> { ["plus"] = inputs["no_such_input"] };
            """);

        var e = Assert.Throws<OnDemandTransformationException>(() => OnDemandTransforms.Get(view).Apply(Inputs(1f, 1L)));

        Assert.IsType<KeyNotFoundException>(e.InnerException);
    }

    [Fact]
    public void Apply_OutputMissing_ThrowsNamingViewAndOutput()
    {
        var view = View("""
            public static IReadOnlyDictionary<string, object?> AddValue(IReadOnlyDictionary<string, object?> inputs) =>
                new Dictionary<string, object?> { ["plus"] = 1.0 };
            """, schema: [new Field("plus", FeastType.Float64), new Field("minus", FeastType.Float64)]);

        var e = Assert.Throws<OnDemandTransformationException>(() => OnDemandTransforms.Get(view).Apply(Inputs(1f, 1L)));

        Assert.Contains("'odfv' returned no value for its feature 'minus'", e.Message, StringComparison.Ordinal);
        Assert.Contains("it returned: plus", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ReturnsNull_Throws()
    {
        var view = View("""
            public static IReadOnlyDictionary<string, object?> AddValue(IReadOnlyDictionary<string, object?> inputs) => null!;
            """);

        var e = Assert.Throws<OnDemandTransformationException>(() => OnDemandTransforms.Get(view).Apply(Inputs(1f, 1L)));

        Assert.Contains("returned null", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_OutputOfTheWrongType_ThrowsNamingViewAndOutput()
    {
        var view = View("""
            public static IReadOnlyDictionary<string, object?> AddValue(IReadOnlyDictionary<string, object?> inputs) =>
                new Dictionary<string, object?> { ["plus"] = "not a number" };
            """);

        var e = Assert.Throws<OnDemandTransformationException>(() => OnDemandTransforms.Get(view).Apply(Inputs(1f, 1L)));

        Assert.Contains("'odfv' returned a value for 'plus' that is not a Float64", e.Message, StringComparison.Ordinal);
        Assert.Contains("not a number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_Outputs_AreConvertedToTheSchemaTypes()
    {
        var when = new DateTime(2021, 4, 12, 10, 0, 0, 123, DateTimeKind.Utc);
        Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> transform = _ => new Dictionary<string, object?>
        {
            ["f32"] = 1.5, ["f64"] = 2.5f, ["i64"] = 3, ["i32"] = 4L, ["s"] = "five", ["b"] = true, ["ts"] = when,
            ["list"] = new List<int> { 1, 2 }, ["nan"] = double.NaN, ["none"] = null,
        };
        var view = new OnDemandFeatureView("types", [Request],
        [
            new Field("f32", FeastType.Float32), new Field("f64", FeastType.Float64), new Field("i64", FeastType.Int64),
            new Field("i32", FeastType.Int32), new Field("s", FeastType.String), new Field("b", FeastType.Bool),
            new Field("ts", FeastType.UnixTimestamp), new Field("list", FeastType.Array(FeastType.Int64)),
            new Field("nan", FeastType.Float64), new Field("none", FeastType.String),
        ], transform: transform);

        var outputs = OnDemandTransforms.Get(view).Apply(new Dictionary<string, object?>());

        Assert.Equal(1.5f, Assert.IsType<float>(outputs["f32"]));
        Assert.Equal(2.5, Assert.IsType<double>(outputs["f64"]));
        Assert.Equal(3L, Assert.IsType<long>(outputs["i64"]));
        Assert.Equal(4, Assert.IsType<int>(outputs["i32"]));
        Assert.Equal("five", outputs["s"]);
        Assert.Equal(true, outputs["b"]);
        Assert.Equal(new DateTimeOffset(when), Assert.IsType<DateTimeOffset>(outputs["ts"]));
        Assert.Equal([1L, 2L], Assert.IsType<long[]>(outputs["list"]));
        Assert.Null(outputs["nan"]);
        Assert.Null(outputs["none"]);
    }

    [Fact]
    public async Task Get_TemplateRepoViewReadBackWithoutItsDelegate_CompilesTheStoredText()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File("driver_odfv"), new FakeTimeProvider(), CancellationToken.None);
        var contents = await RepoLoader.LoadAsync(repo);
        var applied = contents.OnDemandFeatureViews.Single(v => v.Name == "transformed_conv_rate");
        var fromRegistry = applied with { Transform = null };

        var outputs = OnDemandTransforms.Get(fromRegistry).Apply(new Dictionary<string, object?>
        {
            ["conv_rate"] = 0.5f, ["driver_hourly_stats__conv_rate"] = 0.5f, ["val_to_add"] = 1L, ["val_to_add_2"] = 2L,
        });

        Assert.StartsWith("public static IReadOnlyDictionary<string, object?> TransformedConvRate(", fromRegistry.Udf!.BodyText, StringComparison.Ordinal);
        Assert.Equal(1.5, outputs["conv_rate_plus_val1"]);
        Assert.Equal(2.5, outputs["conv_rate_plus_val2"]);
    }
}
