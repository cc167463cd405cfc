"""A zip archive written as it is sent: nothing but one chunk is held in memory.

`zipfile` can write to a stream it cannot seek (it then uses data descriptors); we give it
a buffer that the response generator empties after every write.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

CHUNK = 64 * 1024


class _Sink:
    """A write-only file object: bytes accumulate until the generator takes them."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


class StreamingZip:
    """Add entries one by one; iterate `chunks()` style by calling `drain()` in between."""

    def __init__(self) -> None:
        self.sink = _Sink()
        self.zip = zipfile.ZipFile(self.sink, mode="w", compression=zipfile.ZIP_DEFLATED)

    def drain(self) -> bytes:
        return self.sink.take()

    def add_bytes(self, name: str, data: bytes) -> Iterator[bytes]:
        with self.zip.open(name, "w") as entry:
            entry.write(data)
        yield self.drain()

    def add_file(self, name: str, path: Path) -> Iterator[bytes]:
        with path.open("rb") as source, self.zip.open(name, "w", force_zip64=True) as entry:
            while block := source.read(CHUNK):
                entry.write(block)
                yield self.drain()
        yield self.drain()

    def add_json_list(self, name: str, records: Iterable[dict]) -> Iterator[bytes]:
        """A JSON array written record by record (a huge list never sits in memory)."""
        with self.zip.open(name, "w", force_zip64=True) as entry:
            entry.write(b"[\n")
            for index, record in enumerate(records):
                if index:
                    entry.write(b",\n")
                entry.write(json.dumps(record, ensure_ascii=False, default=str).encode())
                if self.sink.position and len(self.sink.parts) > 16:
                    yield self.drain()
            entry.write(b"\n]\n")
        yield self.drain()

    def close(self) -> Iterator[bytes]:
        self.zip.close()
        yield self.drain()
