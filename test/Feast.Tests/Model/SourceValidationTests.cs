using Feast.Planning;

namespace Feast.Tests.Model;

/// <summary>Which declared types apply accepts over which source column types (<see cref="SourceValidation.Compatible"/>).</summary>
public class SourceValidationTests
{
    [Theory]
    [InlineData("Int64", "Int32", true)]
    [InlineData("Float32", "Float64", true)]
    [InlineData("Int64", "Float32", true)]
    [InlineData("String", "Json", true)]
    [InlineData("Int64", "String", false)]
    [InlineData("String", "Int64", false)]
    [InlineData("Bool", "Int32", false)]
    [InlineData("Bytes", "String", false)]
    [InlineData("UnixTimestamp", "String", false)]
    [InlineData("Array(Int64)", "Array(Int32)", true)]
    [InlineData("Array(Int64)", "Int64", false)]
    [InlineData("Int64", "Array(Int64)", false)]
    [InlineData("Float32", "Invalid", true)]
    public void Compatible_DeclaredAndColumnTypes_FollowTheFamilies(string declared, string actual, bool expected)
    {
        static FeastType Parse(string name) => name.StartsWith("Array(", StringComparison.Ordinal)
            ? FeastType.Array(Parse(name[6..^1]))
            : (FeastType)typeof(FeastType).GetField(name)!.GetValue(null)!;

        Assert.Equal(expected, SourceValidation.Compatible(Parse(declared), Parse(actual)));
    }
}
