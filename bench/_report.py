"""Small helpers shared by the benchmarks: percentiles, the printed figures, signals, CPU."""

import math
import os
import signal
from collections.abc import Iterator, Sequence


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the value below which ``pct`` % of the samples fall)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "met" if ok else "not met"


def row(label: str, value: str, target: str = "", status: str = "") -> str:
    line = f"  {label:<30} {value:>16}"
    if target:
        line += f"   target {target:<16}"
    if status:
        line += f" {status}"
    return line.rstrip()


def banner(title: str) -> str:
    return f"\n==== {title} " + "=" * max(4, 86 - len(title))


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM gets the same path as Ctrl-C, which asyncio.run turns into a clean cancellation.
    signal.raise_signal(signal.SIGINT)


def stop_cleanly_on_signals() -> None:
    """Ctrl-C even when started in the background by a shell that ignores it; SIGTERM
    likewise, so a benchmark always removes what it made."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)


_TICKS = os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy (all but idle and iowait), and in iowait."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / _TICKS, iowait / _TICKS


def processes() -> Iterator[tuple[int, str, int, float]]:
    """(pid, command name, process group, CPU seconds used) of every process now running."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                raw = handle.read()
        except OSError:
            continue  # gone between the listing and the read
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        yield int(entry.name), comm, int(rest[2]), (int(rest[11]) + int(rest[12])) / _TICKS
