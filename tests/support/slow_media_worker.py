"""A worker whose photo step announces itself and then hangs, so a test can kill it in
the middle of a task (tests/workers/test_worker_crash.py, tests/faults/test_faults.py)."""

import os
import time
from pathlib import Path

from service.media import imaging

_real_process = imaging.process


def _hanging_process(data: bytes) -> imaging.Processed:
    Path(os.environ["SLOW_WORKER_MARKER"]).write_text("started")
    time.sleep(300)
    return _real_process(data)


imaging.process = _hanging_process

if __name__ == "__main__":
    from service.cli import main

    main()
