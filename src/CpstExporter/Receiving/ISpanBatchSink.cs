namespace CpstExporter.Receiving;

/// <summary>
/// Where receivers hand decoded requests; the batch is only valid during the call. Spans a later stage refuses are
/// recorded on the batch (<see cref="SpanBatch.Reject"/>), for the answer and for <see cref="ReceiverCounters"/>.
/// </summary>
internal interface ISpanBatchSink
{
    void Consume(SpanBatch batch);
}
