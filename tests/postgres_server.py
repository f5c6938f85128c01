"""A throwaway PostgreSQL cluster for tests: created as the `postgres` user in a temporary
folder, on a free port, with one password-protected superuser; stopped and removed after."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN_FOLDERS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)  # newest first


@dataclass(frozen=True)
class Server:
    """A running cluster: connect as `user` with `password` on 127.0.0.1:`port` (TCP asks for
    the password) or through the socket folder `socket` (trusted)."""

    port: int
    socket: str
    user: str
    password: str

    def url(self, database: str, password: bool = False) -> str:
        secret = f":{self.password}" if password else ""
        return f"postgresql://{self.user}{secret}@127.0.0.1:{self.port}/{database}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres() -> list[str]:
    """The prefix that runs a command as the `postgres` user (initdb refuses root); none for
    any other user, who may run initdb on a folder of their own."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    return ["runuser", "-u", "postgres", "--"]


def _binaries() -> Path:
    """The newest PostgreSQL bin folder, skipping the test when there is none or no driver."""
    pytest.importorskip("psycopg", reason="psycopg (the `tuning` extra) is not installed")
    for folder in BIN_FOLDERS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql")


@contextmanager
def postgres_server(user: str, password: str) -> Iterator[Server]:
    """Start a cluster whose superuser `user` has `password` (passed in a file, never on a
    command line); stop and remove it afterwards."""
    binaries, prefix = _binaries(), _as_postgres()
    root = Path(tempfile.mkdtemp(prefix="sign2text-pg-"))
    data, sockets, password_file = root / "data", root / "sockets", root / "password"
    sockets.mkdir()
    password_file.write_text(password)
    password_file.chmod(0o600)
    if prefix:
        shutil.chown(root, "postgres")
        for path in (sockets, password_file):
            shutil.chown(path, "postgres")
    port = _free_port()
    try:
        initdb = [str(binaries / "initdb"), "-D", str(data), "-U", user, "--pwfile"]
        initdb += [str(password_file), "--auth-local=trust", "--auth-host=scram-sha-256"]
        started = subprocess.run([*prefix, *initdb], capture_output=True, text=True)
        if started.returncode:
            pytest.skip(f"initdb cannot run here: {started.stderr.strip()[-300:]}")
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
        pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-o", options]
        pg_ctl += ["-l", str(root / "server.log"), "-w", "start"]
        if subprocess.run([*prefix, *pg_ctl], capture_output=True).returncode:
            log = (root / "server.log").read_text(errors="replace").strip()[-300:]
            pytest.skip(f"PostgreSQL does not start here: {log}")
        yield Server(port, str(sockets), user, password)
    finally:
        if (data / "postmaster.pid").exists():
            stop = [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
            subprocess.run([*prefix, *stop], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
