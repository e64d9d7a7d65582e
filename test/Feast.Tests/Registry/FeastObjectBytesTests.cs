using Feast.Registry;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Tests.Registry;

public sealed class FeastObjectBytesTests
{
    private static byte[] Bytes<T>(FeastObject obj) where T : IMessage<T>, new() =>
        JsonParser.Default.Parse<T>(FeastObjectJson.Format(obj, "p")).ToByteArray();

    [Fact]
    public void Read_OfEachKind_GivesTheModelObject()
    {
        var entity = new Entity("driver", ["driver_id"], ValueType.Int64, description: "d");
        var source = new FileSource("data.parquet", "ts", name: "src");
        var view = new FeatureView("v", source, [entity], TimeSpan.FromDays(1), [new Field("f", FeastType.Float32)]);
        var service = new FeatureService("s", [view.Select("f")]);

        var readEntity = Assert.IsType<Entity>(FeastObjectBytes.Read("Entity", Bytes<P.Entity>(entity)));
        var readSource = Assert.IsType<FileSource>(FeastObjectBytes.Read("DataSource", Bytes<P.DataSource>(source)));
        var readView = Assert.IsType<FeatureView>(FeastObjectBytes.Read("FeatureView", Bytes<P.FeatureView>(view)));
        var readService = Assert.IsType<FeatureService>(FeastObjectBytes.Read("FeatureService", Bytes<P.FeatureService>(service)));
        var readProject = Assert.IsType<Project>(FeastObjectBytes.Read("Project", Bytes<P.Project>(new Project("p"))));

        Assert.Equal(FeastObjectJson.Format(entity, "p"), FeastObjectJson.Format(readEntity, "p"));
        Assert.Equal(FeastObjectJson.Format(source, "p"), FeastObjectJson.Format(readSource, "p"));
        Assert.Equal(["f"], readView.Features.Select(f => f.Name));
        Assert.Equal("s", readService.Name);
        Assert.Equal("p", readProject.Name);
    }

    [Fact]
    public void Read_BadBytes_IsARegistryExceptionNamingTheKind()
    {
        var e = Assert.Throws<RegistryException>(() => FeastObjectBytes.Read("FeatureView", new byte[] { 0xFF, 0xFF, 0xFF }));

        Assert.Contains("FeatureView", e.Message);
    }

    [Fact]
    public void Read_UnknownKind_IsAnArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => FeastObjectBytes.Read("SavedDataset", ReadOnlySpan<byte>.Empty));

        Assert.Contains("SavedDataset", e.Message);
    }
}
