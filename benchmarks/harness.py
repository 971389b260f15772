"""What the benchmarks and fault tests share: throwaway databases, the product's environment,
a real gunicorn server, wrk as the load, and sessions made in the database.

Everything runs on this machine over loopback. Databases are named after the one in
DATABASE_URL (`<name>_bench`, `<name>_soak_rsvp`…) and dropped again at the end.
"""

import contextlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/societas"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
WEBHOOK_SECRET = "whsec_benchmark_" + "0" * 24
CSRF_TOKEN = "benchmarkcsrftoken0123456789abcd"  # 32 letters and digits, as Django's cookie holds


def base_database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def database_url(suffix: str) -> str:
    """`postgres://…/societas_proof` with suffix 'bench' is `postgres://…/societas_proof_bench`."""
    parts = urlsplit(base_database_url())
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must be a PostgreSQL URL: the benchmarks create their own databases there.")
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


def redis_url(db: int | None = None) -> str:
    """The REDIS_URL, or the same server with another database number."""
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if db is None:
        return url
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def flush_redis(db: int) -> None:
    """Empty one of the Redis databases the benchmarks own (4 to 7), never another."""
    import redis

    if db not in range(4, 8):
        raise ValueError(f"Redis database {db} is not one of the benchmarks' own")
    redis.Redis.from_url(redis_url(db)).flushdb()


def _admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def drop_database(url: str) -> None:
    with _admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{_name(url)}" WITH (FORCE)')


def create_database(url: str, *, template: str | None = None) -> None:
    """A fresh database at `url`, copied from `template` (a migrated one) when given."""
    drop_database(url)
    with _admin_connection(url) as admin:
        admin.execute(f'CREATE DATABASE "{_name(url)}"' + (f' TEMPLATE "{_name(template)}"' if template else ""))


def migrated_template(env_base: dict) -> str:
    """A migrated database to copy test databases from: one `migrate` per run, not one per test."""
    url = env_base["DATABASE_URL"] + "_tpl"  # one per test database: two scripts may run at once
    create_database(url)
    env = {**env_base, "DATABASE_URL": url}
    subprocess.run([str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return url


def product_env(*, database_url: str, redis_url: str | None, port: int, var_dir: str | None = None, **extra) -> dict:
    """The environment of a production-like run (DEBUG off) on loopback."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_SECRET_KEY": "",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": var_dir or tempfile.mkdtemp(prefix="societas-proof-"),
        "PYTHONPATH": str(ROOT),
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


def soak_environment(vendor: str, name: str, *, port: int, redis_db: int = 6) -> tuple[dict, str | None]:
    """A fresh migrated database for a soak: (environment, PostgreSQL URL to drop after, or None for SQLite).

    PostgreSQL gets database `<base>_<name>` copied from a migrated template; SQLite gets a file in a new
    directory and no REDIS_URL, so Celery uses the embedded default, its file broker under VAR_DIR."""
    if vendor == "postgresql":
        url = database_url(name)
        env = product_env(database_url=url, redis_url=redis_url(redis_db), port=port)
        template = migrated_template(env)
        create_database(url, template=template)
        drop_database(template)
        return env, url
    var_dir = tempfile.mkdtemp(prefix=f"societas-{name.replace('_', '-')}-sqlite-")
    env = product_env(database_url=f"sqlite:///{var_dir}/soak.sqlite3", redis_url=None, port=port, var_dir=var_dir)
    subprocess.run([str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return env, None


def all_at_once(jobs: list, *, join_timeout: float = 180) -> list:
    """Run every job in its own thread, released together by a barrier; their results, in order.

    A job that raises OSError (no answer at all) gives -1, which the soaks count as a server error."""
    gate = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index: int, job) -> None:
        from django.db import connection

        gate.wait()
        try:
            results[index] = job()
        except OSError:
            results[index] = -1  # no answer at all counts as a server error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    return results


def setup_django(env: dict) -> None:
    """Make this process a Django process with `env` (call once, before any model import)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def get(url: str, *, method: str = "GET", headers: dict | None = None, timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def open_once(url: str, *, method="GET", data: bytes | None = None, headers: dict | None = None, timeout=60):
    """One request, redirects not followed: (status, headers, body)."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Server:
    """gunicorn serving the product on 127.0.0.1:<port> until the `with` block ends."""

    def __init__(self, env: dict, *, port: int, workers: int, threads: int = 1, name: str = "server"):
        self.env, self.port, self.workers, self.threads = env, port, workers, threads
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = Path(env["VAR_DIR"]) / f"{name}.log"
        self.process = None

    def __enter__(self):
        worker_class = ["-k", "gthread", "--threads", str(self.threads)] if self.threads > 1 else ["-k", "sync"]
        command = [str(BIN / "gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{self.port}"]
        command += ["-w", str(self.workers), *worker_class, "--timeout", "120", "--log-level", "warning"]
        command += ["--backlog", "2048"]
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start; see {self.log_path}")
            with contextlib.suppress(OSError):
                if get(f"{self.url}/bench/one-query/", timeout=5)[0] == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer on port {self.port}; see {self.log_path}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def server_errors(self) -> int:
        """Tracebacks the workers logged (an unhandled exception in a view is a 500 and a traceback)."""
        return self.log_path.read_text(errors="replace").count("Traceback (most recent call last)")


@dataclass
class Load:
    label: str
    requests_per_s: float
    requests: int
    bad_responses: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float = 0.0

    def __str__(self):
        return (
            f"{self.label}: {self.requests_per_s:.1f} req/s ({self.requests} requests, "
            f"p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, max {self.max_ms:.1f} ms)"
        )


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not found:
        raise ValueError(f"wrk printed a latency I cannot read: {text!r}")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}[unit]


def wrk(label: str, url: str, *, seconds: int, connections: int, script: Path | None = None) -> Load:
    """One wrk run; its non-2xx/3xx answers and socket errors are counted, not hidden."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    try:
        return _load(label, output)
    except (AttributeError, ValueError) as error:
        raise RuntimeError(f"cannot read wrk's report ({error}):\n{output}") from error


def _load(label: str, output: str) -> Load:
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    connect, _read, write, timeout = (int(n) for n in sockets.groups()) if sockets else (0, 0, 0, 0)
    return Load(
        label=label,
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        requests=requests,
        bad_responses=int(bad.group(1)) if bad else 0,
        # A sync worker closes each connection after answering; wrk may count that as a read error.
        socket_errors=connect + write + timeout,
        p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        max_ms=_ms(re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", output, re.MULTILINE).group(1)),
    )


def lua_script(path: Path, requests: list[tuple[str, str, dict, str]]) -> Path:
    """A wrk script that sends the given (method, path, headers, body) in turn, cycling."""
    lines = ["local r = {}", "function init(args)"]
    for method, url_path, headers, body in requests:
        header_table = ", ".join(f'["{name}"] = [==[{value}]==]' for name, value in headers.items())
        lines.append(f'  r[#r + 1] = wrk.format("{method}", [==[{url_path}]==], {{{header_table}}}, [==[{body}]==])')
    lines += [
        "end",
        "local i = 0",
        "function request()",
        "  i = i + 1",
        "  return r[(i - 1) % #r + 1]",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def session_cookie(user) -> str:
    """A signed-in session for `user`, made in the database: the Cookie header's value."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def machine() -> str:
    """The machine a figure was measured on: uname, CPUs, load average."""
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return f"{' '.join(os.uname())}; {os.cpu_count()} CPUs; load average {load}"


def new_token() -> str:
    return secrets.token_urlsafe(32)
