using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Feast.Online;

/// <summary>
/// Which file a path names now — device and inode on Linux — so a store can notice that the file it has open was
/// deleted or replaced by another file under the same name. Elsewhere only existence is known (Windows does not let an
/// open SQLite file be deleted).
/// </summary>
internal sealed record FileIdentity(ulong Device, ulong Inode)
{
    /// <summary>The identity of the file at <paramref name="path"/>, or null when there is none.</summary>
    public static FileIdentity? Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var buffer = new byte[256];
            try
            {
                if (NativeMethods.Statx(NativeMethods.AtFdCwd, path, 0, NativeMethods.StatxIno, buffer) != 0) return null;
                // struct statx: stx_ino at 32, stx_dev_major at 136, stx_dev_minor at 140 (the same on every architecture).
                var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32));
                var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(136)) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(140));
                return new FileIdentity(device, inode);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // An old C library without statx: existence only.
            }
        }
        return File.Exists(path) ? new FileIdentity(0, 0) : null;
    }
}

internal static class NativeMethods
{
    public const int AtFdCwd = -100;
    public const uint StatxIno = 0x100;

    [DllImport("libc.so.6", EntryPoint = "statx", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
