"""Gunicorn settings for Herald (`gunicorn -c deploy/gunicorn.conf.py "webapp:create_app()"`).

`flask --app webapp serve` (what `make run` calls) uses this file too and passes its own bind and
worker count on the command line, which override the values here.
Every value can be set from the environment without editing this file.
"""
import os

# Loopback by default: put nginx (deploy/nginx.conf.sample) or another proxy in front.
bind = os.environ.get("HERALD_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}")

# gevent: every connection is a greenlet, so an open websocket (a page's live panel, an integration's
# event stream) costs a few KiB instead of one of a fixed number of request threads. With SQLite
# (embedded mode) keep one worker process: SQLite allows one writer at a time anyway, and one process
# holding every socket keeps the per-user socket cap exact. With PostgreSQL add workers, about one per
# CPU core.
worker_class = "gevent"
workers = int(os.environ.get("HERALD_WEB_WORKERS", "1"))
# Connections one worker serves at once: sockets and requests together (1,000 sockets fit with room).
worker_connections = int(os.environ.get("HERALD_WEB_CONNECTIONS", "4000"))

# Seconds a worker may go without telling the master it is alive before it is killed and replaced.
timeout = int(os.environ.get("HERALD_WEB_TIMEOUT", "60"))
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open. When the server closes first, a request the client
# sends at that moment is reset (bench/load.py saw 7 in 2,711 with 5 s, 0 with longer), so keep it above
# the idle gaps of API clients and above nginx's upstream keepalive_timeout (10 s in the sample). Not
# much longer: a stopping worker waits for idle keep-alive connections (up to graceful_timeout).
keepalive = int(os.environ.get("HERALD_WEB_KEEPALIVE", "15"))

# Herald logs one line per request itself (with the request id): gunicorn's access log would
# duplicate every line. Gunicorn's own messages (start, worker restarts) go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("HERALD_LOG_LEVEL", "info").lower()

# Behind a reverse proxy on the same machine: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No recycling by request count: the process holds the open websockets, and a recycle would cut
# every one of them (and, with keep-alive, reset requests already on their way). A planned restart
# (SIGHUP, SIGTERM) instead closes each socket with 1001 so clients reconnect and replay.
max_requests = int(os.environ.get("HERALD_WEB_MAX_REQUESTS", "0"))
max_requests_jitter = 0

# Gunicorn ≥ 23's control socket is shared per user ($HOME/.gunicorn/gunicorn.ctl): several servers on
# one machine would fight over it, and Herald does not use it.
control_socket_disable = True


def post_worker_init(worker):
    """When the worker starts stopping (SIGTERM, SIGHUP, SIGQUIT), close its websockets with 1001 at
    once instead of letting them hold the graceful timeout and then be cut."""
    from webapp.events.shutdown import watch_worker

    watch_worker(worker)
