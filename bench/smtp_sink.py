"""A loopback SMTP sink (aiosmtpd) for the delivery benchmark, run as its own process.

    python -m bench.smtp_sink PORT LOG [DELAY]

Accepts everything and appends ``<Message-ID>`` per message to LOG, so the
benchmark can check that every message arrived exactly once; with DELAY
(seconds) it waits that long before each reply to a message's data, as a
mail server writing it to disk would. Stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import ROOT

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class Sink:
    """aiosmtpd handler: log the Message-ID, answer 250."""

    def __init__(self, path: str, delay: float = 0.0) -> None:
        self.log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        found = _MESSAGE_ID.search(bytes(envelope.content))
        self.log.write((found.group(1).decode() if found else "-") + "\n")
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 OK"


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_sink(log: Path, delay: float = 0.0) -> Iterator[int]:
    """Start the sink in a child process (replying ``delay`` seconds late to each
    message); yield its port; stop it after."""
    port = free_port()
    command = [sys.executable, "-m", "bench.smtp_sink", str(port), str(log), str(delay)]
    child = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - our own interpreter
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the SMTP sink did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        child.terminate()
        child.wait(timeout=10)


def arrived(log: Path) -> Counter[str]:
    """How often each Message-ID arrived."""
    return Counter(log.read_text(encoding="utf-8").split()) if log.exists() else Counter()


def main() -> None:
    """Run the sink until SIGTERM."""
    from aiosmtpd.controller import Controller

    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # before the server thread starts
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    sink = Sink(sys.argv[2], delay)
    controller = Controller(sink, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    signal.sigwait(stop)
    controller.stop()


if __name__ == "__main__":
    main()
