using Feast.Postgres.Offline;

namespace Feast.Postgres.Tests.Offline;

public class PgTypesTests
{
    // PostgreSQL prints a timestamp's precision in the middle of the name; the store rejected timestamp(3) event columns.
    [Theory]
    [InlineData("timestamp(3) without time zone", "timestamp without time zone")]
    [InlineData("timestamp(0) with time zone", "timestamp with time zone")]
    [InlineData("character varying(20)", "character varying")]
    [InlineData("numeric(10,2)[]", "numeric[]")]
    [InlineData("bigint", "bigint")]
    public void Base_TypeWithModifier_DropsOnlyTheModifier(string type, string expected) => Assert.Equal(expected, PgTypes.Base(type));

    [Theory]
    [InlineData("timestamp(3) without time zone")]
    [InlineData("timestamp(0) with time zone")]
    public void IsTimeLike_TimestampWithPrecision_IsAnEventTimeType(string type) => Assert.True(PgTypes.IsTimeLike(type));
}
