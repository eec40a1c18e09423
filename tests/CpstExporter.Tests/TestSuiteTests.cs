using System.Reflection;
using System.Text.RegularExpressions;

namespace CpstExporter.Tests;

/// <summary>
/// A test that asserts nothing passes whatever the code does. Every test method here must call xunit's
/// <c>Assert</c>, or one of the calls below that fail the test for it.
/// </summary>
public sealed class TestSuiteTests
{
    /// <summary>Helpers of this suite that end in assertions of their own; each is checked to have one.</summary>
    private static readonly string[] AssertingHelpers =
    [
        "AssertExactly",                // ExpectedSeries: the exposition holds exactly the expected series
        "AssertGolden",                 // MetricsWriterTests: the text equals the golden file
        "AssertEveryQueryAsync",        // TaskDashboardTests: every dashboard query is answered as expected
        "AssertSameAsGeneratedClasses", // OtlpProtobufReaderTests: the reader agrees with the generated classes
    ];

    /// <summary>FsCheck runs that throw when a property fails, or throws: a property test's assertion.</summary>
    private static readonly string[] FailingChecks = ["QuickCheckThrowOnFailure(", "Config.QuickThrowOnFailure"];

    private static readonly Regex Assertion = new(
        @"\bAssert\.\w|" + string.Join("|", AssertingHelpers.Select(h => $@"\b{h}\s*\(").Concat(FailingChecks.Select(Regex.Escape))));

    private static string TestFolder => RepoFiles.Path("tests", "CpstExporter.Tests");

    [Fact]
    public void EveryTest_AssertsSomething()
    {
        var tests = TestSources.In(TestFolder).ToList();
        // The scan reads text; the test methods xunit runs are the measure of whether it read them all.
        Assert.Equal(CompiledTestMethods(), tests.Select(t => t.Name).Order(StringComparer.Ordinal));

        string[] silent = tests.Where(t => !Assertion.IsMatch(t.Body)).Select(t => $"{t.File}: {t.Name}").ToArray();

        Assert.True(silent.Length == 0, "these tests assert nothing: assert what the name promises, or, if a helper asserts for " +
            $"them, add it to {nameof(AssertingHelpers)}:\n" + string.Join("\n", silent));
    }

    private static IEnumerable<string> CompiledTestMethods() => typeof(TestSuiteTests).Assembly.GetTypes()
        .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
        .Where(method => method.IsDefined(typeof(FactAttribute), inherit: true))
        .Select(method => method.Name)
        .Order(StringComparer.Ordinal);

    [Fact]
    public void EveryAssertingHelper_AssertsItself()
    {
        string[] sources = TestSources.Files(TestFolder).Select(File.ReadAllText).ToArray();

        foreach (string helper in AssertingHelpers)
        {
            string? body = sources.Select(source => TestSources.BodyOf(source, helper)).FirstOrDefault(b => b is not null);
            Assert.True(body is not null, $"{helper} is listed as an asserting helper, but no method of that name is declared");
            Assert.True(Regex.IsMatch(body, @"\bAssert\.\w"), $"{helper} is listed as an asserting helper, but asserts nothing itself");
        }
    }

    [Fact]
    public void Methods_LiteralsAndCommentsThatLookLikeCode_CountForNothing()
    {
        const string source = """
            public class Sample
            {
                [Fact]
                public void Silent()
                {
                    var text = "Assert.True(false) } {";
                    var more = $"{(text.Length > 1 ? "}" : "{")} Assert.Equal {{";
                    char brace = '}';
                    // Assert.True(false);
                    /* Assert.True(false); */
                }

                [Theory]
                [InlineData(new byte[] { 1, 2 })]
                public void Loud(byte[] bytes) => Assert.All(bytes, b => { Assert.True(b > 0); });

                [RequiresBinaryFact("promtool")]
                public async Task ByHelper()
                {
                    await Task.Yield();
                    AssertGolden(@"a "" } file", $@"{"}"}");
                }

                private static readonly Dictionary<Fact, int> Facts = new() { [Fact.Model] = 1 };
            }
            """;

        var methods = TestSources.Methods("Sample.cs", source).ToList();

        Assert.Equal(["Silent", "Loud", "ByHelper"], methods.Select(m => m.Name));
        Assert.Equal([false, true, true], methods.Select(m => Assertion.IsMatch(m.Body)));
    }

    [Fact]
    public void BodyOf_Helper_IsItsDeclarationNotACall()
    {
        const string source = """
            public class Sample
            {
                public void Test() => AssertGolden("x", Render());

                private static void AssertGolden(string name, string actual)
                {
                    Assert.Equal(File.ReadAllText(name), actual);
                }
            }
            """;

        Assert.Equal("{\n        Assert.Equal(File.ReadAllText(name), actual);\n    }", TestSources.BodyOf(source, "AssertGolden")?.ReplaceLineEndings("\n"));
    }
}
