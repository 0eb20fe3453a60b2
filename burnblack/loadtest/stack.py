"""The platform a load test runs against when no --host is given.

N API instances behind nginx (a generated config in a temporary folder, nginx as a child
process in the foreground), a worker, a worker for `high` only and a projector, each with its
metrics port; on a fresh database and a Redis database of its own on the local
PostgreSQL/Redis, or on embedded servers when those are not reachable. Everything is removed
afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from projections.redis_keys import db_claim_key

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379"
# Databases 0..7 are the platform's and people's; tests claim 8..15 (tests/servers.py)
# with keys `bb-test-claim:<db>` in db 0, and so do load tests, under the same keys.
FIRST_REDIS_DB = 8
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx")

# Every simulated user comes from its own address (X-Forwarded-For, believed from nginx
# only), so the platform's own per-address and per-user limits apply unchanged.
LOAD_ENV = {"BURNBLACK_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}


@dataclass
class Child:
    name: str
    args: list[str]
    log_path: Path
    metrics_url: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    health_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    command: list[str] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None


@dataclass
class Stack:
    url: str
    children: list[Child] = field(default_factory=list)
    database_url: str = ""
    redis_url: str = ""
    log_dir: Path = Path()
    env: dict[str, str] = field(default_factory=dict)

    def metrics_urls(self) -> dict[str, str]:
        return {c.name: c.metrics_url for c in self.children if c.metrics_url}

    def pids(self) -> dict[str, int]:
        return {c.name: c.pid for c in self.children if c.pid}

    def check_alive(self) -> list[str]:
        return [c.name for c in self.children if c.proc is not None and c.proc.poll() is not None]

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def kill_and_restart(self, name: str) -> None:
        """SIGKILL a process (with its children), then start it again as it was started
        (the drill of a crash and a supervisor's restart)."""
        child = self.child(name)
        if child.proc is not None and child.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.proc.pid, signal.SIGKILL)
            child.proc.wait(10)
        _start(child, child.env, child.command)

    def healthy(self, name: str) -> bool:
        child = self.child(name)
        url = child.health_url or child.metrics_url
        if child.proc is None or child.proc.poll() is not None or not url:
            return False
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
            return bool(r.status == 200)
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_nginx(install: bool = True) -> str:
    """nginx's path; installs Debian's nginx-light with apt-get when missing and root."""
    found = shutil.which("nginx") or next((p for p in NGINX_CANDIDATES if Path(p).exists()), None)
    if found:
        return found
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=False, env=env)
        found = shutil.which("nginx") or next(
            (p for p in NGINX_CANDIDATES if Path(p).exists()), None
        )
        if found:
            return found
    raise SystemExit(
        "nginx is needed as the load balancer of the load test's own stack and is not "
        "installed. Debian/Ubuntu: sudo apt-get install nginx-light (macOS: brew install "
        "nginx), or point the load test at a running platform with --host URL."
    )


def nginx_config(listen_port: int, api_ports: list[int], folder: Path) -> str:
    """nginx in the foreground as the edge: it takes the client's address from the load
    generator's X-Forwarded-For (the generator plays the internet), and hands the API the
    address in X-Forwarded-For; the API trusts nginx (BURNBLACK_TRUSTED_PROXIES)."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in api_ports)
    # As root, nginx's workers would become `nobody`, who cannot enter the private folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""# generated by burnblack loadtest
{user}daemon off;
master_process on;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{
    worker_connections 8192;
}}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream api {{
{servers}
        keepalive 256;
    }}
    server {{
        listen 127.0.0.1:{listen_port};
        client_max_body_size 12m;
        keepalive_requests 100000;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        location /metrics {{
            return 404;
        }}
        location / {{
            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def _reachable(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def _as_url(params: Mapping[str, object], dbname: str) -> str:
    host = str(params.get("host", "127.0.0.1"))
    user = params.get("user", "postgres")
    if host.startswith("/"):
        return f"postgresql://{user}:@/{dbname}?host={host}"
    return f"postgresql://{user}@{host}:{params.get('port', 5432)}/{dbname}"


@contextlib.contextmanager
def _servers(work: Path, embedded: bool = False) -> Iterator[tuple[str, str]]:
    """(admin database URL, Redis base URL) of the servers to use: the local ones when
    both answer (and `embedded` is not asked for), else embedded ones in `work`."""
    if not embedded and _reachable("127.0.0.1", 5432) and _reachable("127.0.0.1", 6379):
        yield LOCAL_PG, LOCAL_REDIS
        return
    from burnblack.embedded import embedded_services

    with embedded_services(work / "embedded") as urls:
        yield urls.database_url, urls.redis_url


def claim_spare_redis_db(claims: Any, owner: str, admin_url: str) -> int:
    """A Redis database number (8-15) no other test session or load test on this machine
    uses, claimed for `owner` (its PostgreSQL database's name); -1 if every one is taken.
    A claim whose database is gone was left by a killed run and is taken over, rather than
    blocking the number for hours. tests/servers.py claims through this too."""
    import psycopg

    for d in range(FIRST_REDIS_DB, 16):
        if claims.set(db_claim_key(d), owner, nx=True, ex=3 * 3600):
            return d
    with psycopg.connect(admin_url, autocommit=True) as conn:
        alive = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
    for d in range(FIRST_REDIS_DB, 16):
        key = db_claim_key(d)
        stale = claims.get(key)
        if stale is None or (stale.decode() if isinstance(stale, bytes) else stale) in alive:
            continue
        # Taken over only if nobody else took it since we looked.
        if claims.set(key, owner, xx=True, ex=3 * 3600, get=True) == stale:
            return d
    return -1


@contextlib.contextmanager
def fresh_data(work: Path, embedded: bool = False) -> Iterator[tuple[str, str]]:
    """A new database and a Redis database nobody else uses, removed afterwards."""
    import psycopg
    import redis

    with _servers(work, embedded) as (admin_url, redis_base):
        embedded = redis_base.startswith("unix:")
        name = f"bb_load_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        database_url = _as_url(conninfo_to_dict(admin_url), name)
        claims = None
        db = 0
        if not embedded:
            claims = redis.Redis.from_url(f"{redis_base}/0")
            db = claim_spare_redis_db(claims, name, admin_url)
            if db < 0:
                raise SystemExit("every spare Redis database (8-15) is in use; try again later")
        redis_url = redis_base if embedded else f"{redis_base}/{db}"
        redis.Redis.from_url(redis_url).flushdb()
        try:
            yield database_url, redis_url
        finally:
            if claims is not None:
                with contextlib.suppress(Exception):
                    redis.Redis.from_url(redis_url).flushdb()
                    claims.delete(db_claim_key(db))
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _start(child: Child, env: dict[str, str], command: list[str] | None = None) -> None:
    child.env, child.command = env, command
    log = open(child.log_path, "ab")  # noqa: SIM115 - handed to the child
    child.proc = subprocess.Popen(
        command or [sys.executable, "-m", "burnblack", *child.args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()


def _stop(child: Child, timeout: float = 15) -> None:
    proc = child.proc
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _wait_ok(url: str, child: Child, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.proc is not None and child.proc.poll() is not None:
            tail = child.log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"{child.name} exited while starting:\n{tail}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"{child.name} did not answer {url} within {timeout:.0f} s")


@contextlib.contextmanager
def own_stack(
    api_instances: int,
    log_dir: Path,
    api_workers: int = 1,
    db_pool_size: int = 4,
    extra_env: dict[str, str] | None = None,
    embedded: bool = False,
) -> Iterator[Stack]:
    """Start the platform on fresh data; yields when nginx answers /health/live."""
    nginx = find_nginx()
    log_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="bb-load-") as tmp,
        fresh_data(Path(tmp), embedded) as (database_url, redis_url),
    ):
        work = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BURNBLACK_CIPHER_KEY": os.environ.get("BURNBLACK_CIPHER_KEY") or _new_cipher_key(),
            "BURNBLACK_DB_POOL_SIZE": str(db_pool_size),
            # What runs here, for every process's connection budget check (burnblack/budget.py).
            "BURNBLACK_DEPLOYMENT": f"api={api_instances * api_workers},worker=2,projector=1",
            "BURNBLACK_DATA_DIR": str(work / "data"),
            "PYTHONUNBUFFERED": "1",
            **LOAD_ENV,
            **(extra_env or {}),
        }
        env.pop("BURNBLACK_CIPHER_KEY_FILE", None)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        api_ports = [free_port() for _ in range(api_instances)]
        children = [
            Child(
                f"api-{i}",
                ["api", "--port", str(p), "--workers", str(api_workers)],
                log_dir / f"api-{i}.log",
                f"http://127.0.0.1:{p}/metrics",
                health_url=f"http://127.0.0.1:{p}/health/live",
            )
            for i, p in enumerate(api_ports)
        ]
        worker_port, high_port, projector_port = free_port(), free_port(), free_port()
        worker = Child("worker", ["worker"], log_dir / "worker.log")
        worker.metrics_url = f"http://127.0.0.1:{worker_port}/metrics"
        # Tax computations (`high`) get a worker of their own, as in compose.yaml: behind one
        # worker they waited for document jobs and rebuilds (high-queue wait p95 4.4 s).
        high = Child("worker-high", ["worker", "--queues", "high"], log_dir / "worker-high.log")
        high.metrics_url = f"http://127.0.0.1:{high_port}/metrics"
        projector = Child("projector", ["projector"], log_dir / "projector.log")
        projector.metrics_url = f"http://127.0.0.1:{projector_port}/metrics"
        edge_port = free_port()
        (work / "nginx").mkdir()
        conf = work / "nginx" / "nginx.conf"
        conf.write_text(nginx_config(edge_port, api_ports, work / "nginx"))
        edge = Child("nginx", [], log_dir / "nginx.log")
        stack = Stack(
            url=f"http://127.0.0.1:{edge_port}",
            children=[*children, worker, high, projector, edge],
            database_url=database_url,
            redis_url=redis_url,
            log_dir=log_dir,
            env=env,
        )
        try:
            # All at once, as tests/processes.py does: schema creation takes an advisory lock.
            for c in children:
                _start(c, env)
            _start(projector, {**env, "BURNBLACK_METRICS_PORT": str(projector_port)})
            _start(worker, {**env, "BURNBLACK_METRICS_PORT": str(worker_port)})
            _start(high, {**env, "BURNBLACK_METRICS_PORT": str(high_port)})
            _start(edge, env, [nginx, "-c", str(conf), "-p", str(work / "nginx"), "-e", "stderr"])
            for c, p in zip(children, api_ports, strict=True):
                _wait_ok(f"http://127.0.0.1:{p}/health/live", c)
            _wait_ok(f"{stack.url}/health/live", edge, 30)
            for c in (worker, high, projector):
                assert c.metrics_url
                _wait_ok(c.metrics_url, c, 60)
            yield stack
        finally:
            for c in reversed(stack.children):
                _stop(c)


def _new_cipher_key() -> str:
    from burnblack.keys import generate_key

    return generate_key()
