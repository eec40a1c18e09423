using System.Text;
using CpstExporter.Aggregation;
using CpstExporter.Exposition;

namespace CpstExporter.Tests.Exposition;

public class SeriesLabelCacheTests
{
    [Fact]
    public void Get_EncodesOncePerPlace_GrowsPastItsFirstSize()
    {
        var cache = new SeriesLabelCache(["use_case", "tool"]);
        CountSeries[] series = Enumerable.Range(0, 100).Select(i => new CountSeries([$"use-{i}", "web_search"])).ToArray();

        byte[][] first = series.Select((s, i) => cache.Get(i, s)).ToArray();
        byte[][] again = series.Select((s, i) => cache.Get(i, s)).ToArray();

        Assert.Equal("use_case=\"use-42\",tool=\"web_search\"", Encoding.UTF8.GetString(first[42]));
        Assert.All(Enumerable.Range(0, 100), i => Assert.Same(first[i], again[i]));
    }

    [Fact]
    public void Get_FromManyThreads_EveryPlaceHoldsItsSeries()
    {
        var cache = new SeriesLabelCache(["use_case"]);
        CountSeries[] series = Enumerable.Range(0, 5_000).Select(i => new CountSeries([$"use-{i}"])).ToArray();

        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < series.Length; i++) cache.Get(i, series[i]);
        });

        Assert.All(Enumerable.Range(0, series.Length), i =>
            Assert.Equal($"use_case=\"use-{i}\"", Encoding.UTF8.GetString(cache.Get(i, series[i]))));
    }
}
