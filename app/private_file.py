"""Files only their owner may read (the SQLite database with its -wal and -shm, the secret key, backups,
exports), and the directories the service creates for them (0700)."""

import os
from pathlib import Path


def private_directory(path: Path) -> None:
    """Create `path` and its missing parents, each 0700 whatever the umask; existing ones stay as they are."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # another process made it meanwhile
        os.chmod(folder, 0o700)


def create(path: Path) -> None:
    """Create `path` empty and 0600 unless it exists, in a private directory.

    For an SQLite database, before SQLite opens it: SQLite creates a new database 0644 under the usual
    umask, but gives its -wal, -shm and -journal files the mode of the database file."""
    private_directory(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def open_private(path: str, flags: int) -> int:
    """`opener` for files only their owner may read (backups, exports): private from creation."""
    return os.open(path, flags, 0o600)
