using Feast.Offline;

namespace Feast.Tests.Offline;

public class EngineErrorsTests
{
    // The shape of DuckDB's message for the internal error of issue 13 (abridged: the real trace had 25 frames).
    private const string DuckDbInternalError = """
        INTERNAL Error: Failed to cast expression to type - expression type mismatch

        Stack Trace:

        /app/libduckdb.so(duckdb::Exception::Exception(duckdb::ExceptionType, std::__cxx11::basic_string<char> const&)+0x52) [0x7ef658ad4e92]
        /app/libduckdb.so(duckdb::TopNWindowElimination::OptimizeInternal(duckdb::unique_ptr<duckdb::LogicalOperator>, duckdb::ColumnBindingReplacer&)+0x3d3) [0x7ef659127263]
        [0x7f0288b6315c]

        This error signals an assertion failure within DuckDB. This usually occurs due to unexpected conditions or errors in the program's logic.
        For more information, see https://duckdb.org/docs/stable/dev/internal_errors
        """;

    [Fact]
    public void OneLine_DuckDbInternalErrorWithNativeStackTrace_KeepsOnlyTheMessage() =>
        Assert.Equal("INTERNAL Error: Failed to cast expression to type - expression type mismatch", EngineErrors.OneLine(DuckDbInternalError));

    [Fact]
    public void OneLine_BinderErrorWithSqlExcerpt_DropsTheExcerptAndCaret() =>
        Assert.Equal("Binder Error: Referenced column \"x\" not found in FROM clause! Candidate bindings: \"y\"",
            EngineErrors.OneLine("Binder Error: Referenced column \"x\" not found in FROM clause!\nCandidate bindings: \"y\"\n\nLINE 1: SELECT x FROM t\n               ^"));

    [Fact]
    public void OneLine_Empty_SaysSo() => Assert.Equal("(the engine gave no message)", EngineErrors.OneLine("\n \n"));

    [Fact]
    public void Message_NamesSubjectStepReasonAndHint()
    {
        var message = EngineErrors.Message("DuckDB", OfflineStep.Pull, "Source 'stats' ('/repo/stats.csv')", DuckDbInternalError, "Try this.");

        Assert.Equal("Source 'stats' ('/repo/stats.csv'): DuckDB failed in pulling rows (materialize or pull): INTERNAL Error: Failed to cast expression to type - expression type mismatch. Try this.", message);
        Assert.DoesNotContain('\n', message);
    }
}
