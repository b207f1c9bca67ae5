"""Where a bake reads its inputs and writes its outputs: local paths, or any fsspec URL.

A render farm without a shared file system reads and writes through object storage
(`s3://bucket/lines`, `gs://…`); fsspec (with s3fs, gcsfs, … as the cluster needs) does that, and
is imported only when a URL is given. Every write is atomic: a local file is written under a
temporary name and renamed; an object store's PUT is atomic by nature.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


def is_url(path: str) -> bool:
    """True for `proto://…` paths (fsspec), false for plain local paths."""
    return "://" in str(path)


class LocalStore:
    """Plain files; parents are created on write."""

    def read(self, path: str) -> bytes:
        return Path(path).read_bytes()

    def exists(self, path: str) -> bool:
        return Path(path).is_file()

    def size(self, path: str) -> int:
        return Path(path).stat().st_size

    def put(self, path: str, data: bytes) -> None:
        from fantasy_talking.formats.outputs import atomic_path

        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as temporary:
            temporary.write_bytes(data)

    def remove(self, path: str) -> None:
        Path(path).unlink(missing_ok=True)

    def is_dir(self, path: str) -> bool:
        return Path(path).is_dir()

    def find(self, root: str) -> list[str]:
        """Every file under `root`, as paths relative to it (POSIX separators), sorted."""
        base = Path(root)
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())

    def join(self, root: str, name: str) -> str:
        return str(Path(root) / name)


class FsspecStore:
    """Any file system fsspec knows; the URL's protocol picks it (s3fs, gcsfs, … must be installed)."""

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ImportError:
            raise ValueError(f"{url}: URLs need fsspec (pip install 'fantasy-talking[ray]', plus s3fs or gcsfs "
                             "for s3:// or gs://)") from None
        try:
            self.fs, _ = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise ValueError(f"{url}: {exc}") from None

    def read(self, path: str) -> bytes:
        return self.fs.cat_file(path)

    def exists(self, path: str) -> bool:
        return self.fs.isfile(path)

    def size(self, path: str) -> int:
        return int(self.fs.size(path))

    def put(self, path: str, data: bytes) -> None:
        protocols = (self.fs.protocol,) if isinstance(self.fs.protocol, str) else tuple(self.fs.protocol)
        if "file" in protocols:
            LocalStore().put(self.fs._strip_protocol(path), data)  # keep the rename on local disks
            return
        self.fs.pipe_file(path, data)

    def remove(self, path: str) -> None:
        if self.fs.exists(path):
            self.fs.rm_file(path)

    def is_dir(self, path: str) -> bool:
        return self.fs.isdir(path)

    def find(self, root: str) -> list[str]:
        base = PurePosixPath(self.fs._strip_protocol(root))
        return sorted(PurePosixPath(self.fs._strip_protocol(p)).relative_to(base).as_posix()
                      for p in self.fs.find(root))

    def join(self, root: str, name: str) -> str:
        return root.rstrip("/") + "/" + name


Store = LocalStore | FsspecStore


def store_for(path: str) -> Store:
    return FsspecStore(path) if is_url(path) else LocalStore()


def resolve(path: str, base: str) -> str:
    """A manifest's path as given when absolute or a URL, else relative to the manifest's folder."""
    if is_url(path) or os.path.isabs(path) or not base:
        return path
    if is_url(base):
        return base.rstrip("/") + "/" + path
    return str(Path(base) / path)
