"""Gunicorn in production: `gunicorn -c deploy/gunicorn.conf.py app:app`.

Environment: `WEB_CONCURRENCY` (worker processes; default two per core plus one), `BIND`
(default 127.0.0.1:8000, behind the reverse proxy), `FORWARDED_ALLOW_IPS` (the proxy's
address, whose X-Forwarded-Proto is believed; default 127.0.0.1), and
`PROMETHEUS_MULTIPROC_DIR` (a folder for the workers' metric files, so that /metrics sums
every worker; emptied here at start, as prometheus_client requires).
"""

import multiprocessing
import os
from pathlib import Path

wsgi_app = "app:app"
bind = os.environ.get("BIND") or "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# Threads: uploads and media reads wait on the network and the store, not on the CPU.
worker_class = "gthread"
threads = 8
# A 32 MiB upload PATCH on a slow line takes minutes; the proxy's own timeout must match.
timeout = 300
graceful_timeout = 30
keepalive = 5
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
accesslog = "-"
# The default line, plus the time taken (µs) and the request id the app logged with.
access_log_format = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s '
                     '%({x-request-id}o)s')
# Gunicorn's control socket (~/.gunicorn/gunicorn.ctl) would be shared by every instance of
# the same user; nothing here uses it.
control_socket_disable = True

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")

if _metrics_dir:

    def on_starting(server):
        """Files from a previous run would add its counts to this one's."""
        folder = Path(_metrics_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()

    def child_exit(server, worker):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
