"""Small helpers shared by the benchmarks: percentiles, the printed figures, signals."""

import math
import signal
from collections.abc import Sequence


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
