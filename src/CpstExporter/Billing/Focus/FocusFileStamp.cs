namespace CpstExporter.Billing.Focus;

/// <summary>
/// What tells a file's versions apart without reading it: the file a path leads to (a symbolic link followed, as a
/// Kubernetes volume's <c>..data</c> link is swapped), its last write time and its size. <c>default</c> when there is
/// no file.
/// </summary>
internal readonly record struct FocusFileStamp(string File, DateTime WriteTime, long Length)
{
    public static FocusFileStamp Of(string path)
    {
        try
        {
            var file = new FileInfo(path);
            if (file.LinkTarget is not null && file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) file = target;
            return file.Exists ? new FocusFileStamp(file.FullName, file.LastWriteTimeUtc, file.Length) : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default; // a link loop, or a link being replaced: looked at again at the next scan
        }
    }
}
