namespace Feast.Postgres.Tests;

/// <summary>The PostgreSQL server eng/services.sh starts (or a developer points FEAST_TEST_POSTGRES at).</summary>
internal static class TestServers
{
    /// <summary>An Npgsql connection string for a superuser.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("FEAST_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "FEAST_TEST_POSTGRES is not set. Run the tests with eng/test.sh, which starts PostgreSQL, or `source eng/services.sh && start_test_services` first.");
}
