"""Upload and download a 25 MiB document against a real server, and the server's memory meanwhile.

Usage:
    .venv/bin/python bench/documents.py [--mib 25] [--rounds 3]

On a fresh SQLite database (bench/out/documents.db): an organisation with an editor token, one person,
uvicorn with one worker (benchlib.Server). Each round uploads a `--mib` MiB PDF-like file as a streamed
multipart body (the client never holds it whole either), then downloads it and checks its SHA-256.
The server's resident memory is sampled every 5 ms from /proc (its peak reset before each transfer
where the kernel allows it); the report gives throughput (MiB/s) of each direction and the peak above
the server's idle memory (the issue's target: within 64 MiB).
"""

import argparse
import hashlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from benchlib import OUT, Server, fresh_sqlite, machine_load, mint_token

from app.models.token import Role

MIB = 1024 * 1024
BOUNDARY = "article3benchboundary7d1f"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Sampler:
    """The peak of a process's resident memory while the block runs, sampled every 5 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib(self.pid))


def content(mib: int, seed: int) -> Iterator[bytes]:
    """`mib` MiB starting like a PDF, in 1 MiB pieces made on the fly (never all in memory)."""
    block = hashlib.sha256(str(seed).encode()).digest() * (MIB // 32)
    yield b"%PDF-1.7\n" + block[9:]
    for i in range(1, mib):
        yield block[i % 7 :] + block[: i % 7]


def multipart(mib: int, seed: int) -> Iterator[bytes]:
    fields = {"title": "Benchmark exhibit", "kind": "court_decision", "dated": "2016-02"}
    for name, value in fields.items():
        yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="exhibit.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    yield from content(mib, seed)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mib", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average (1 min): {machine_load()}")
    key = os.urandom(32).hex()
    url = fresh_sqlite(OUT / "documents.db", key)
    token = mint_token(url, key, org="bench", role=Role.editor, create_org=True)
    headers = {"Authorization": f"Bearer {token}"}
    expected = hashlib.sha256(b"".join(content(args.mib, 1))).hexdigest()
    with (
        Server(url, key, log=OUT / "documents.log") as server,
        httpx.Client(base_url=server.base, headers=headers, timeout=300) as client,
    ):
        assert server.process is not None
        pid = server.process.pid
        person = client.post("/api/v1/persons", json={"name": "Bench Person"}).json()["id"]
        client.get(f"/api/v1/persons/{person}")  # warm up the routes and the keys
        time.sleep(1)
        idle = rss_kib(pid)
        print(f"server idle RSS: {idle / 1024:.1f} MiB")
        worst = 0
        for round_ in range(1, args.rounds + 1):
            with Sampler(pid) as up:
                began = time.perf_counter()
                made = client.post(
                    f"/api/v1/persons/{person}/documents",
                    content=multipart(args.mib, 1),
                    headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                )
                upload_s = time.perf_counter() - began
            if made.status_code != 201 or made.json()["sha256"] != expected:
                print(f"upload failed: {made.status_code} {made.text[:200]}")
                return 1
            digest = hashlib.sha256()
            with Sampler(pid) as down:
                began = time.perf_counter()
                with client.stream("GET", f"/api/v1/documents/{made.json()['id']}/content") as answer:
                    for piece in answer.iter_bytes():
                        digest.update(piece)
                download_s = time.perf_counter() - began
            if digest.hexdigest() != expected:
                print("download differs from the upload")
                return 1
            worst = max(worst, up.peak - idle, down.peak - idle)
            print(
                f"round {round_}: upload {args.mib / upload_s:.1f} MiB/s ({upload_s:.2f} s), peak +"
                f"{(up.peak - idle) / 1024:.1f} MiB; download {args.mib / download_s:.1f} MiB/s "
                f"({download_s:.2f} s), peak +{(down.peak - idle) / 1024:.1f} MiB"
            )
        print(f"worst peak above idle: {worst / 1024:.1f} MiB (target: within 64 MiB)")
        if server.errors_logged():
            print(f"the server logged {server.errors_logged()} tracebacks: see {server.log}")
            return 1
    return 0 if worst <= 64 * 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
