"""A network delay for the benchmark: a TCP proxy on 127.0.0.1 that holds every chunk of
bytes for half the chosen round trip in each direction before passing it on, so a team
database on this machine answers as one across a council's network would. It also counts
what clients send: a client that writes, then waits for the answer, sends once per round
trip, so the count is the round trips an action costs (with no delay added too).

Each direction keeps its order and is pipelined: a chunk waits for its own delivery time,
not for the chunks before it to be delayed in turn, so a large result costs one round trip
plus its bytes, as on a real network.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

CHUNK = 65536


class LatencyProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to `host:port` with `round_trip_ms`
    added to every round trip. Use as a context manager; `port` is where to connect."""

    def __init__(self, host: str, port: int, round_trip_ms: float) -> None:
        self.target = (host, port)
        self.one_way = round_trip_ms / 2000
        self.port = 0
        self.requests = 0  # chunks a client sent: about one per round trip it waited on
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def __enter__(self) -> LatencyProxy:
        self._thread.start()
        if not self._ready.wait(10) or not self.port:
            raise RuntimeError("the latency proxy did not start")
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _shutdown(self) -> None:
        """Every connection ended and its tasks awaited, so nothing is left pending."""
        if self._server is not None:
            self._server.close()
        here = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not here]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    async def _serve(self, client_r, client_w) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        try:
            await asyncio.gather(
                self._pipe(client_r, server_w, counted=True), self._pipe(server_r, client_w)
            )
        except (asyncio.CancelledError, OSError):
            pass  # the proxy closing, or either end gone: the connection is over either way
        finally:
            client_w.close()
            server_w.close()

    async def _pipe(self, reader, writer, counted: bool = False) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(CHUNK):
                self.requests += counted
                queue.put_nowait((time.monotonic() + self.one_way, data))
        finally:
            queue.put_nowait((0.0, b""))
            if not reader.at_eof():  # cancelled or failed: what is queued is not sent
                sender.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await sender
            writer.close()
