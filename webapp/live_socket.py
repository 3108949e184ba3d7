"""The server side of Herald's websockets: simple-websocket's Server with what it lacks here.

- Keepalive and idle: a ping every `ping_interval` seconds keeps proxies from dropping a quiet
  socket; a socket from which no frame at all (pongs included) has arrived for `idle_timeout`
  seconds is closed with 1001. (simple-websocket's own check closes after a single missed pong;
  the idle timeout replaces it, so the setting means what it says.)
- Size: a message over `max_message_size` is refused with 1009 as it streams in (wsproto hands
  frames over in pieces of at most `receive_bytes`). After any close, what the client still sends
  is read and dropped for a few seconds, so it hears the close frame instead of a reset. Nothing
  reads client messages today: at most one complete message is kept.
- Frames are sent under one lock: the request thread, the reader thread (pings, pongs) and other
  threads (a revocation, a restart) may all write.
Plain threading/selectors only, every wait bounded: gevent's monkey-patching makes them cooperative.
"""
from __future__ import annotations

import selectors
import socket
import threading
from functools import wraps
from time import monotonic

from flask import Response, current_app, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed, Server
from wsproto.events import Ping
from wsproto.utilities import LocalProtocolError

GOING_AWAY = 1001
MESSAGE_TOO_BIG = 1009
IDLE_REASON = "No frame from the client for {:g} s: reconnect."
LONGEST_WAIT = 30.0  # the reader never blocks longer than this (a ping is due sooner by default)
DRAIN_SECONDS = 3.0  # after refusing a message, how long its remaining bytes are read and dropped


class LiveSocket(Server):
    def __init__(self, environ, *, idle_timeout: float | None = None, **options) -> None:
        self.idle_timeout = idle_timeout or None
        self.last_received = monotonic()
        self._frames = threading.Lock()
        self.on_close: list = []  # called (no arguments) once the reader has finished
        super().__init__(environ, **options)

    def send(self, data) -> None:
        with self._frames:
            if not self.connected:
                raise ConnectionClosed(self.close_reason, self.close_message)
            self.sock.sendall(self.ws.send(self._message(data)))

    @staticmethod
    def _message(data):
        from wsproto.events import Message, TextMessage

        return Message(data=data) if isinstance(data, bytes) else TextMessage(data=str(data))

    def close(self, reason=None, message=None) -> None:
        with self._frames:
            if not self.connected:
                raise ConnectionClosed(self.close_reason, self.close_message)
            super().close(reason, message)

    def _handle_events(self) -> bool:
        with self._frames:
            keep_going = super()._handle_events()
        del self.input_buffer[:-1]  # nobody reads client messages: never let them pile up
        return keep_going

    def _ping(self) -> None:
        with self._frames:
            if self.connected:
                self.sock.sendall(self.ws.send(Ping()))

    def _idle_close(self) -> None:
        try:
            self.close(reason=GOING_AWAY, message=IDLE_REASON.format(self.idle_timeout))
        except ConnectionClosed:
            pass
        self.event.set()

    def _thread(self) -> None:
        sel = self.selector_class()
        try:
            sel.register(self.sock, selectors.EVENT_READ, True)
            self._read(sel)
            self._drain_input(sel)
        except (OSError, LocalProtocolError):
            self.connected = False
        finally:
            self.event.set()
            sel.close()
            self.sock.close()
            for callback in list(self.on_close):
                callback()

    def _read(self, sel) -> None:
        next_ping = monotonic() + self.ping_interval if self.ping_interval else None
        while self.connected:
            now = monotonic()
            idle_at = self.last_received + self.idle_timeout if self.idle_timeout else None
            if idle_at is not None and now >= idle_at:
                self._idle_close()
                return
            if next_ping is not None and now >= next_ping:
                self._ping()
                next_ping = now + self.ping_interval
                continue
            wait = min([t - now for t in (next_ping, idle_at) if t is not None] + [LONGEST_WAIT])
            if not sel.select(wait):
                continue
            data = self.sock.recv(self.receive_bytes)
            if not data:
                raise OSError("client went away")
            self.last_received = monotonic()
            self.ws.receive_data(data)
            self.connected = self._handle_events()

    def _drain_input(self, sel) -> None:
        """After the close frame: read and drop whatever the client still sends (the rest of a
        refused message, its close reply) until it hangs up or time runs out. Closing with unread
        input would reset the connection, and the client could lose the close frame."""
        self.sock.shutdown(socket.SHUT_WR)
        deadline = monotonic() + DRAIN_SECONDS
        while (left := deadline - monotonic()) > 0:
            if sel.select(min(left, 0.5)) and not self.sock.recv(65536):
                return


def server_options(config) -> dict:
    """The LiveSocket options Herald's settings give."""
    return {"ping_interval": float(config.get("HERALD_WS_PING_INTERVAL") or 0) or None,
            "idle_timeout": float(config.get("HERALD_WS_IDLE_TIMEOUT") or 0) or None,
            "max_message_size": int(config.get("HERALD_WS_MAX_MESSAGE") or 0) or None}


class LiveSock(Sock):
    """flask-sock with LiveSocket for every route (the wrapper otherwise as flask-sock 0.7's)."""

    def route(self, path, bp=None, **kwargs):
        def decorator(f):
            @wraps(f)
            def websocket_route(*args, **kw):
                ws = LiveSocket(request.environ, **server_options(current_app.config))
                try:
                    f(ws, *args, **kw)
                except ConnectionClosed:
                    pass
                try:
                    ws.close()
                except Exception:  # noqa: BLE001 - closed already
                    pass
                # The reader finishes the closing handshake; the server must not close the
                # connection under it.
                ws.thread.join(timeout=DRAIN_SECONDS + 1)

                class WebSocketResponse(Response):
                    def __call__(self, *a, **k):
                        if ws.mode == "gunicorn":
                            raise StopIteration()
                        if ws.mode == "werkzeug":
                            return super().__call__(*a, **k)
                        return []

                return WebSocketResponse()

            kwargs["websocket"] = True
            (bp or self.app).route(path, **kwargs)(websocket_route)
            return websocket_route

        return decorator
