"""Files out, Qt-free: every file Losscape writes goes through write_atomically."""

import os
import tempfile


def write_atomically(path, data: bytes):
    """Write to a temporary file beside `path`, then rename: a failure never leaves half a file, and an
    existing file is replaced only by a complete one."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".losscape-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a saved file is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
