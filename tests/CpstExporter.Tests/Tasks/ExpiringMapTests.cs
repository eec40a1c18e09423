using CpstExporter.Tasks;

namespace CpstExporter.Tests.Tasks;

public class ExpiringMapTests
{
    private static ExpiringMap<int, string> Map(int capacity = 10) => new(capacity);

    [Fact]
    public void TryTakeExpired_TakesEntriesInExpiryOrder_OnlyOnceDue()
    {
        ExpiringMap<int, string> map = Map();
        map.Set(1, "a", expiresMs: 100, out _);
        map.Set(2, "b", expiresMs: 200, out _);

        Assert.False(map.TryTakeExpired(99, out _, out _));
        Assert.True(map.TryTakeExpired(100, out int key, out string value));
        Assert.Equal((1, "a"), (key, value));
        Assert.False(map.TryTakeExpired(199, out _, out _));
        Assert.True(map.TryTakeExpired(500, out key, out _));
        Assert.Equal(2, key);
        Assert.Equal(0, map.Count);
        Assert.Equal(0, map.QueuedExpiries);
    }

    [Fact]
    public void TryTakeExpired_RemovedEntry_LeavesAStalePlaceThatIsSkipped()
    {
        ExpiringMap<int, string> map = Map();
        map.Set(1, "a", 100, out _);
        map.Set(2, "b", 100, out _);

        Assert.True(map.Remove(1, out string removed));
        Assert.Equal("a", removed);
        Assert.Equal(2, map.QueuedExpiries);

        Assert.True(map.TryTakeExpired(100, out int key, out _));
        Assert.Equal(2, key);
        Assert.False(map.TryTakeExpired(100, out _, out _));
        Assert.Equal(0, map.QueuedExpiries);
    }

    [Fact]
    public void Set_SameKeyAgain_ReplacesValueAndExpiry_TheEarlierPlaceIsStale()
    {
        ExpiringMap<int, string> map = Map();
        Assert.False(map.Set(1, "a", 100, out _));

        Assert.True(map.Set(1, "b", 300, out string replaced));

        Assert.Equal("a", replaced);
        Assert.Equal(1, map.Count);
        Assert.False(map.TryTakeExpired(200, out _, out _)); // the place for "a" comes up and is stale
        Assert.True(map.TryTakeExpired(300, out _, out string value));
        Assert.Equal("b", value);
    }

    [Fact]
    public void GetValueRefOrNullRef_UpdatesInPlace_WithoutMovingTheExpiry()
    {
        ExpiringMap<int, string> map = Map();
        map.Set(1, "a", 100, out _);

        map.GetValueRefOrNullRef(1) = "b";

        Assert.True(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref map.GetValueRefOrNullRef(2)));
        Assert.Equal(1, map.QueuedExpiries);
        Assert.True(map.TryTakeExpired(100, out _, out string value));
        Assert.Equal("b", value);
    }

    [Fact]
    public void TryTakeOldest_Full_TakesTheFirstSetLiveEntry()
    {
        ExpiringMap<int, string> map = Map(capacity: 2);
        map.Set(1, "a", 100, out _);
        map.Set(2, "b", 200, out _);
        map.Remove(1, out _);
        map.Set(3, "c", 300, out _);
        Assert.True(map.IsFull);

        Assert.True(map.TryTakeOldest(out int key, out string value));

        Assert.Equal((2, "b"), (key, value));
        Assert.False(map.IsFull);
        Assert.True(map.ContainsKey(3));
    }

    [Fact]
    public void Entries_EveryLiveEntryWithItsExpiry()
    {
        ExpiringMap<int, string> map = Map();
        map.Set(1, "a", 100, out _);
        map.Set(2, "b", 200, out _);
        map.Remove(1, out _);

        Assert.Equal([(2, "b", 200L)], map.Entries());
    }
}
