namespace Feast; internal static class Placeholder { }
