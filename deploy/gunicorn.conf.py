"""Gunicorn settings for Herald (`gunicorn -c deploy/gunicorn.conf.py "webapp:create_app()"`).

`flask --app webapp serve` (what `make run` calls) uses this file too and passes its own bind,
workers and threads on the command line, which override the values here.
Every value can be set from the environment without editing this file.
"""
import os

# Loopback by default: put nginx (deploy/nginx.conf.sample) or another proxy in front.
bind = os.environ.get("HERALD_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}")

# Threads, not async workers: flask-sock websockets hold a thread each while a page is open, so
# give every worker plenty. With SQLite (embedded mode) keep one worker process: SQLite allows one
# writer at a time anyway. With PostgreSQL (team mode) add workers, about one per CPU core.
worker_class = "gthread"
workers = int(os.environ.get("HERALD_WEB_WORKERS", "1"))
threads = int(os.environ.get("HERALD_WEB_THREADS", "16"))

# Long enough for a slow page, short enough to recycle a stuck worker. Websockets are not subject
# to it with gthread (the worker's main loop keeps beating while a thread holds the socket).
timeout = int(os.environ.get("HERALD_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Herald logs one line per request itself (with the request id): gunicorn's access log would
# duplicate every line. Gunicorn's own messages (start, worker restarts) go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("HERALD_LOG_LEVEL", "info").lower()

# Behind a reverse proxy on the same machine: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Restart workers now and then so a slow leak cannot grow forever.
max_requests = int(os.environ.get("HERALD_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = 500

# Gunicorn ≥ 23's control socket is shared per user ($HOME/.gunicorn/gunicorn.ctl): several servers on
# one machine would fight over it, and Herald does not use it.
control_socket_disable = True
