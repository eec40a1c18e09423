using CpstExporter.Billing.CostApi;

namespace CpstExporter.Tests.Billing.CostApi;

/// <summary>
/// What an admin key file must be. The tests run as root in CI, who can read any file: what is checked is the mode
/// bits, not whether a read succeeds.
/// </summary>
public sealed class AdminKeyFileTests : IDisposable
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string Key = "sk-ant-admin01-0123456789abcdef";

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-keyfile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string content, UnixFileMode mode = Owner)
    {
        string path = Path.Combine(_directory, "key");
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        return path;
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead)] // 0400, a Secret volume's defaultMode
    [InlineData(Owner)] // 0600
    [InlineData(Owner | UnixFileMode.GroupRead)] // 0640: what fsGroup makes of 0400 or 0600
    public void Read_OwnerOrGroupOnly_ReturnsTheKeyWithoutTheNewline(UnixFileMode mode)
    {
        Assert.Equal(Key, AdminKeyFile.Read(Write(Key + "\n", mode)));
    }

    [Theory]
    [InlineData(Owner | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(Owner | UnixFileMode.OtherRead, "0604")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0444")]
    public void Read_ReadableByEveryone_IsRefused(UnixFileMode mode, string octal)
    {
        if (OperatingSystem.IsWindows()) return; // no mode bits
        string path = Write(Key, mode);

        var error = Assert.Throws<CostApiException>(() => AdminKeyFile.Read(path));

        Assert.Equal($"admin key file {path} is readable by every user (mode {octal}); make it readable by the exporter only " +
            "(chmod 600, or defaultMode 0400 on a Kubernetes Secret volume)", error.Message);
    }

    [Fact]
    public void Read_ThroughASymbolicLink_ChecksTheFileItLeadsTo()
    {
        // A Kubernetes Secret's file is a link (key -> ..data/key), whose own mode is always 0777.
        string target = Write(Key);
        string link = Path.Combine(_directory, "link");
        File.CreateSymbolicLink(link, target);

        Assert.Equal(Key, AdminKeyFile.Read(link));
    }

    [Fact]
    public void Read_Missing_SaysSo()
    {
        string path = Path.Combine(_directory, "absent");

        var error = Assert.Throws<CostApiException>(() => AdminKeyFile.Read(path));

        Assert.Equal($"admin key file {path} does not exist; mount the key there or correct the path", error.Message);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData(" \n", "is empty")]
    [InlineData("sk-admin one two", "holds characters other than printable ASCII without spaces")]
    [InlineData("sk-admin-é", "holds characters other than printable ASCII without spaces")]
    [InlineData("sk-admin\r\nx-evil: 1", "holds characters other than printable ASCII without spaces")]
    public void Read_NotAKey_IsRefusedWithoutQuotingIt(string content, string reason)
    {
        string path = Write(content);

        var error = Assert.Throws<CostApiException>(() => AdminKeyFile.Read(path));

        Assert.Contains(reason, error.Message);
        if (content.Trim().Length > 0) Assert.DoesNotContain(content.Trim(), error.Message);
    }

    [Fact]
    public void Read_LargerThanAnyKey_IsRefused()
    {
        string path = Write(new string('k', AdminKeyFile.MaxBytes + 1));

        var error = Assert.Throws<CostApiException>(() => AdminKeyFile.Read(path));

        Assert.Contains("more than a key (4096 at most)", error.Message);
    }
}
