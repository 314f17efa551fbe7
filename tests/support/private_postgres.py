"""A PostgreSQL+PostGIS cluster of a test's own, in a temporary folder, that the test may
stop and restart at will (the shared server on 5432 is never touched).

As scripts/common.sh start_private_postgres does: initdb with trust on 127.0.0.1 only,
run as ``postgres`` when we are root (PostgreSQL refuses to run as root).
"""

import os
import shutil
import subprocess
from pathlib import Path

BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]


def _as_postgres(command: list[str], env: dict[str, str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivateCluster:
    def __init__(self, directory: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = port
        # What the server processes inherit (a marker lets the test find them in /proc).
        self.env = env or dict(os.environ)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = _as_postgres([str(BIN / args[0]), *args[1:]], self.env)
        return subprocess.run(command, env=self.env, check=check, capture_output=True, text=True, timeout=120)

    def create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            # The folders above must let postgres through to its own.
            for parent in self.directory.parents:
                if parent == Path(parent.anchor) or (parent.stat().st_mode & 0o001):
                    break
                parent.chmod(parent.stat().st_mode | 0o711)
        self.directory.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        # -l as at start: without it the server would log to (and hold open) our pipe.
        log = str(self.directory / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-m", "fast", "-w", "-t", "60", "-o", options, "restart")

    def log(self) -> str:
        path = self.directory / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""
