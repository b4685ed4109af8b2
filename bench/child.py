"""Run a benchmark step in a fresh process and read back its result, CPU time and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Finished:
    """What a child process left: its output, its own CPU seconds, its peak RSS and its wall time."""

    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float
    peak_rss_mib: float
    seconds: float


def run(cmd: list[str], cwd: Path = ROOT) -> Finished:
    """Run `cmd` and reap it with wait4, so the CPU time and peak RSS are this child's alone.

    Linux's ru_maxrss of a child counts the image it was forked from too: it is exact only when the
    parent is small (as bench/scale_bench.py keeps itself); steps that matter report their own VmHWM."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(proc.returncode, out.read(), err.read(), usage.ru_utime + usage.ru_stime,
                        usage.ru_maxrss / 1024, seconds)


def call(module: str, function: str, *args: Any) -> Any:
    """`module.function(*args)` of a bench/ script in a fresh Python; its JSON-printed result.

    One clear error (the child's last lines) when it fails."""
    code = (f"import json, sys; sys.path[:0] = [{str(ROOT / 'bench')!r}, {str(ROOT)!r}]; import {module} as m;"
            f" print(json.dumps(m.{function}(*{args!r})))")
    done = run([sys.executable, "-c", code])
    if done.returncode:
        sys.exit(f"{module}.{function} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
