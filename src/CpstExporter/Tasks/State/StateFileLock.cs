using CpstExporter.Primitives;


namespace CpstExporter.Tasks.State;

/// <summary>
/// <c>&lt;state file&gt;.lock</c>, held open with an exclusive advisory lock (<c>flock</c>) for as long as the exporter
/// runs, so that two instances given the same state file do not overwrite each other's tasks and journals: the second
/// one refuses to start and says why. The lock goes with the process, so a crash or SIGKILL never leaves it held.
/// </summary>
internal sealed class StateFileLock : IDisposable
{
    private readonly FileStream _file;

    private StateFileLock(FileStream file) => _file = file;

    public static string PathOf(string stateFile) => stateFile + ".lock";

    /// <summary>
    /// Takes the lock. Null when it cannot be taken because of the file system (read-only, full, no permission):
    /// <paramref name="fault"/> says why, and the caller tries again before its next write.
    /// </summary>
    /// <exception cref="CpstConfigurationException">Another process holds the lock.</exception>
    public static StateFileLock? TryAcquire(string stateFile, out string? fault)
    {
        string path = PathOf(stateFile);
        try
        {
            fault = null;
            // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Linux and macOS, and a share-mode lock on Windows.
            return new StateFileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1));
        }
        catch (IOException e) when (HeldByAnother(e))
        {
            throw new CpstConfigurationException(
                $"Cpst:Tasks:StateFile: '{stateFile}' is in use by another running exporter (it holds '{path}'); " +
                "give each instance its own state file (one volume per replica)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            fault = e.Message;
            return null;
        }
    }

    /// <summary>The lock is held elsewhere: EWOULDBLOCK (11 on Linux, 35 on macOS), or a sharing violation on Windows.</summary>
    private static bool HeldByAnother(IOException e) => e.HResult is 11 or 35 or unchecked((int)0x80070020);

    public void Dispose() => _file.Dispose();
}
