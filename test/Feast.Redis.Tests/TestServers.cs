namespace Feast.Redis.Tests;

/// <summary>The Redis servers eng/services.sh starts (or a developer points the variables at).</summary>
internal static class TestServers
{
    public static string Single => Get("FEAST_TEST_REDIS");

    public static string Cluster => Get("FEAST_TEST_REDIS_CLUSTER");

    private static string Get(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set. Run the tests with eng/test.sh, which starts Redis, or `source eng/services.sh && start_test_services` first.");
}
