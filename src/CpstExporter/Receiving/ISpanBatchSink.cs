namespace CpstExporter.Receiving;

/// <summary>Where receivers hand decoded requests; the batch is only valid during the call.</summary>
internal interface ISpanBatchSink
{
    void Consume(SpanBatch batch, Protocol protocol);
}
