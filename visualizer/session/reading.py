"""Reading a file a user names, with limits: only a regular file (a device or FIFO would read forever or
hang), and no larger than a stated size (checked before reading, so memory stays bounded)."""

import os
import stat


def read_file(path, limit, error, what="file", hint=""):
    """The bytes of `path`; any problem raises error(one line naming the file)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except (OSError, ValueError) as e:  # ValueError: a NUL in the path
        raise error(f"{path!r}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{path}: is a folder, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: not a regular file (a device, pipe or socket cannot be read as a {what})")
    if st.st_size > limit:
        raise error(f"{path}: {st.st_size / 2**20:,.0f} MB is more than the {limit / 2**20:,.0f} MB a {what} may "
                    f"have{hint}")
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise error(f"{path}: cannot read: {e.strerror or e}") from None
    if len(data) > limit:  # it grew since stat
        raise error(f"{path}: more than the {limit / 2**20:,.0f} MB a {what} may have{hint}")
    return data
