"""A real HTTP receiver on 127.0.0.1 for outbound webhook tests: records every request (headers
and raw body) and answers with the status the test sets (``status``, or a queue of them)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    status: int = 200
    answer: bytes = b'{"ok":true}'
    requests: list[Received] = field(default_factory=list)
    _server: asyncio.base_events.Server | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/tessera"

    async def start(self) -> WebhookReceiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Received(method, path, headers, body))
            status = self.status
            reason = {200: "OK", 204: "No Content", 302: "Found", 500: "Internal Server Error"}
            writer.write(
                f"HTTP/1.1 {status} {reason.get(status, 'Status')}\r\n"
                f"content-type: application/json\r\ncontent-length: {len(self.answer)}\r\n"
                "location: http://127.0.0.1:1/elsewhere\r\nconnection: close\r\n\r\n".encode()
                + self.answer
            )
            await writer.drain()
        finally:
            writer.close()
