using System.Text;
using System.Text.Json.Nodes;
using Feast.Configuration;

namespace Feast.Ui.Tests;

/// <summary>The documents <c>feast ui</c> computes, in the shapes of Feast's <c>ui_server.py</c>.</summary>
public sealed class UiDocumentsTests
{
    [Fact]
    public void ProjectsList_SeveralProjects_AllProjectsComesFirst()
    {
        var json = UiDocuments.ProjectsList([new Project("zeta_store"), new Project("alpha", "Alpha things")], "alpha", "/ui");

        var projects = JsonNode.Parse(Encoding.UTF8.GetString(json))!["projects"]!.AsArray();

        Assert.Equal(["all", "alpha", "zeta_store"], projects.Select(p => (string?)p!["id"]));
        Assert.Equal(["All Projects", "Alpha", "Zeta Store"], projects.Select(p => (string?)p!["name"]));
        Assert.Equal(["View data across all projects", "Alpha things", "Project: zeta_store"], projects.Select(p => (string?)p!["description"]));
        Assert.All(projects, p => Assert.Equal("/ui/api/v1", (string?)p!["registryPath"]));
    }

    [Fact]
    public void ProjectsList_NoProjectInTheRegistry_ListsTheRepositorysProject()
    {
        var json = UiDocuments.ProjectsList([], "my_project", "");

        var project = Assert.Single(JsonNode.Parse(Encoding.UTF8.GetString(json))!["projects"]!.AsArray())!;

        Assert.Equal("my_project", (string?)project["id"]);
        Assert.Equal("/api/v1", (string?)project["registryPath"]);
    }

    [Theory]
    [InlineData("driver_ranking", "Driver Ranking")]
    [InlineData("my2project", "My2Project")]
    [InlineData("ALL_CAPS", "All Caps")]
    public void TitleCase_AsPythonsTitle(string name, string expected) => Assert.Equal(expected, UiDocuments.TitleCase(name));

    [Fact]
    public void AuthConfig_OidcWithoutRealmInTheUrl_HasNoUrlOrRealm_AndFallsBackToTheClientId()
    {
        var json = UiDocuments.AuthConfigJson(new OidcAuthConfig { AuthDiscoveryUrl = "https://idp.example/.well-known/openid-configuration", ClientId = "feast" });

        Assert.Equal("""{"auth_type":"oidc","auth_discovery_url":"https://idp.example/.well-known/openid-configuration","client_id":"feast"}""", json);
    }

    [Fact]
    public void AuthConfig_Kubernetes_IsItsTypeOnly() =>
        Assert.Equal("""{"auth_type":"kubernetes"}""", UiDocuments.AuthConfigJson(new KubernetesAuthConfig()));

    [Fact]
    public void IndexHtml_ValuesCannotCloseTheScriptElement()
    {
        var page = UiDocuments.IndexHtml("<head></head>", "", new OidcAuthConfig { AuthDiscoveryUrl = "https://x/realms/a</script><b>/c", ClientId = "c" });

        Assert.Equal(1, page.Split("</script>").Length - 1);
        Assert.DoesNotContain("<b>", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("/", "")]
    [InlineData("feast", "/feast")]
    [InlineData("/feast/", "/feast")]
    [InlineData("/a/b", "/a/b")]
    public void RootPath_IsNormalized(string given, string expected) => Assert.Equal(expected, FeastUiOptions.NormalizeRootPath(given));

    [Theory]
    [InlineData("/a?b")]
    [InlineData("/a b")]
    [InlineData("/a//b")]
    [InlineData("/a\"b")]
    public void RootPath_NotAUrlPath_IsRefused(string given) => Assert.Throws<ArgumentException>(() => FeastUiOptions.NormalizeRootPath(given));
}
