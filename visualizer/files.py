"""Files out, Qt-free: every file Losscape writes goes through write_atomically."""

import contextlib
import errno
import os
import stat
import tempfile


class Cancelled(Exception):
    """The write was cancelled (Ctrl+C, SIGTERM) before the new file replaced anything."""


@contextlib.contextmanager
def atomic_file(path, cancelled=lambda: False):
    """An open binary file that becomes `path` only when the block ends normally: written to a temporary
    file beside the target, then renamed over it, so a failure never leaves half a file and an existing
    file is replaced only by a complete one. A symlink is written through (its target gets the new
    content); a replaced file keeps its mode; what is not a regular file, or a read-only file, is
    refused. `cancelled()` is asked last, before the rename: True leaves everything as it was and raises
    Cancelled."""
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file; refusing to replace it", path)
    if st is not None and not st.st_mode & stat.S_IWUSR:
        raise PermissionError(errno.EACCES, "the file is read-only", path)
    if st is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # an ordinary new file (mkstemp's is private)
    else:
        mode = stat.S_IMODE(st.st_mode)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".losscape-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.chmod(tmp, mode)
        if cancelled():
            raise Cancelled()
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_atomically(path, data: bytes, cancelled=lambda: False):
    """`data` as the whole new content of `path`, through atomic_file."""
    with atomic_file(path, cancelled) as f:
        f.write(data)
