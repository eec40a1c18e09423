using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

/// <summary>The pool keeps batches for reuse, but never more memory than its bound, and not a batch one large request grew.</summary>
public sealed class SpanBatchPoolTests
{
    private static SpanBatch Grown(SpanBatchPool pool, int attributes)
    {
        SpanBatch batch = pool.Rent();
        for (int i = 0; i < attributes; i++) batch.AddAttribute(0, 0);
        return batch;
    }

    [Fact]
    public void Return_BatchOfAnOrdinaryRequest_IsKeptAndRentedAgain()
    {
        var pool = new SpanBatchPool(new ReceiverOptions());
        SpanBatch batch = Grown(pool, 10_000);

        pool.Return(batch);

        Assert.Equal(batch.CapacityBytes, pool.RetainedBytes);
        Assert.Same(batch, pool.Rent());
        Assert.Equal(0, pool.RetainedBytes);
        Assert.Equal(0, batch.AttributeCount);
    }

    [Fact]
    public void Return_BatchGrownPastMaxBatchBytes_IsDropped()
    {
        var pool = new SpanBatchPool(new ReceiverOptions());
        SpanBatch batch = Grown(pool, 600_000); // 24 MB of attribute records
        Assert.True(batch.CapacityBytes > SpanBatchPool.MaxBatchBytes);

        pool.Return(batch);

        Assert.Equal(0, pool.RetainedBytes);
        Assert.NotSame(batch, pool.Rent());
    }

    [Fact]
    public void Return_ManyBatches_KeepsAtMostMaxRetainedBytes()
    {
        var pool = new SpanBatchPool(new ReceiverOptions());
        SpanBatch[] batches = Enumerable.Range(0, 20).Select(_ => Grown(pool, 100_000)).ToArray(); // about 5 MB each

        foreach (SpanBatch batch in batches) pool.Return(batch);

        Assert.InRange(pool.RetainedBytes, SpanBatchPool.MaxRetainedBytes / 2, SpanBatchPool.MaxRetainedBytes);
    }

    [Fact]
    public void Rent_BatchOfThePool_HasTheCeilingOfTheConfiguredRequestLimit()
    {
        var pool = new SpanBatchPool(new ReceiverOptions { MaxRequestBytes = 50_000 });
        SpanBatch batch = pool.Rent();

        batch.AddAttribute(new byte[90_000]); // twice MaxRequestBytes
        Assert.Throws<RequestTooLargeException>(() => batch.AddAttribute(new byte[20_000]));
    }
}
