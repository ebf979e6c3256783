"""Start-up: how long a command takes before it does anything (``--help``).

- ``alembic --help`` with rowstamp installed (the baseline): Alembic imports every
  ``alembic.plugins`` entry point, so it loads ``rowstamp.autogen.compare``;
- ``rowstamp --help`` and ``./scripts/migrate --help`` (the guide's commands);
- ``alembic --help`` in a second virtual environment holding the same packages at
  the same versions but not rowstamp: the difference is what installing rowstamp
  adds to every ``alembic`` command (Alembic scans every installed distribution for
  entry points, so a smaller environment alone would start faster);
- full profile only: the plugin as it was before it imported lazily
  (``rowstamp.model.columns`` and the engine modules at import), emulated, to show what
  the lazy import saves (history; the quick profile drops it for its 15 minutes).

Every command runs as a subprocess with bytecode caches written (an untimed first
run writes them even where ``PYTHONDONTWRITEBYTECODE`` is set); twice ``BENCH_RUNS``
runs each in the quick profile (6), three times in the full one (15), since one run is
short.

Run: ``python -m bench.startup``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import (
    FULL,
    RESULTS_BASE,
    ROOT,
    RUNS,
    Result,
    Sample,
    banner,
    compare,
    cpu_now,
    interleaved,
    sized,
    versions,
)

MEASURE = "start-up"
BASELINE = "alembic --help"
PLAIN = "alembic --help, rowstamp not installed"
BIN = Path(sys.executable).parent
PLAIN_VENV = RESULTS_BASE / "plain-venv"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        raise RuntimeError("uv not found: run `make bench`, which installs it")
    return found


def plain_venv() -> Path:
    """A virtual environment with this one's packages, at the same versions, but rowstamp."""
    python = PLAIN_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(
            [_uv(), "venv", "--quiet", "--python", sys.executable, str(PLAIN_VENV)], check=True
        )
    frozen = subprocess.run(
        [_uv(), "pip", "freeze", "--python", sys.executable],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    wanted = [line for line in frozen if line and not line.startswith(("rowstamp", "-e"))]
    requirements = RESULTS_BASE / "plain-venv.txt"
    requirements.write_text("\n".join(wanted) + "\n", encoding="utf-8")
    subprocess.run(
        [_uv(), "pip", "sync", "--quiet", "--python", str(python), str(requirements)], check=True
    )
    return PLAIN_VENV


def command(args: list[str]) -> Callable[[], Sample]:
    def run() -> Sample:
        start, cpu = time.perf_counter(), cpu_now()
        done = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True)
        seconds, cpu = time.perf_counter() - start, cpu_now() - cpu
        if done.returncode or "usage" not in done.stdout.lower():
            raise RuntimeError(f"{args} failed: {done.stdout[-500:]} {done.stderr[-1500:]}")
        return seconds, cpu

    return run


_EAGER_PLUGIN = (
    "import sys; import rowstamp.model.columns, rowstamp.engines; "
    "from alembic.config import main; sys.argv = ['alembic', '--help']; main()"
)


def main() -> Result:
    started = time.perf_counter()
    banner("Start-up: --help of each command")
    result = Result("startup", "Start-up", versions())
    plain = plain_venv()
    contenders = {
        BASELINE: command([str(BIN / "alembic"), "--help"]),
        "rowstamp --help": command([str(BIN / "rowstamp"), "--help"]),
        "./scripts/migrate --help": command([str(ROOT / "scripts" / "migrate"), "--help"]),
        PLAIN: command([str(plain / "bin" / "alembic"), "--help"]),
    }
    if FULL:
        eager = command([sys.executable, "-c", _EAGER_PLUGIN])
        contenders["alembic --help, eager plugin (before)"] = eager
    for run in contenders.values():  # write bytecode caches, untimed
        run()
    times = interleaved(contenders, runs=sized(2, 3) * RUNS)
    rows = compare(result, MEASURE, "--help, wall time", times, BASELINE)
    added = rows[BASELINE].median_s - rows[PLAIN].median_s
    cpu_added = (rows[BASELINE].cpu_s or 0) - (rows[PLAIN].cpu_s or 0)
    result.notes.append(
        f"Installing rowstamp changes every `alembic` command's start by {added * 1000:+.0f} ms"
        f" wall, {cpu_added * 1000:+.0f} ms CPU (the alembic.plugins entry point; on a shared"
        " machine the CPU figure is the steadier one)."
    )
    print("  " + result.notes[-1])
    result.seconds = time.perf_counter() - started
    result.save()
    return result


if __name__ == "__main__":
    main()
