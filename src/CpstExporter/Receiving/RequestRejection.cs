namespace CpstExporter.Receiving;

/// <summary>Why a whole export request was refused: the <c>reason</c> label of <c>cpst_rejected_requests_total</c>.</summary>
internal enum RequestRejection
{
    Malformed,
    TooLarge,
    UnsupportedMediaType,
    Unauthenticated,
    Overloaded,
    ShuttingDown,
}
