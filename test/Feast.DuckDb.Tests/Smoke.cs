namespace Feast.DuckDb.Tests; public class Smoke { [Fact] public void Builds() => Assert.NotNull(typeof(Feast.Offline.IOfflineStore)); }
