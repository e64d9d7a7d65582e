namespace Feast.DuckDb; internal static class Placeholder { }
