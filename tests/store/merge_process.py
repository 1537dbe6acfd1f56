"""A merger in a process of its own, for ``test_concurrent_merge.py``: phase 2, then phase 3 once told.

    python tests/store/merge_process.py INDEX_DIR START END READY GO

It holds INDEX_DIR's merge lock throughout and exits with 3 at once when another process holds it.
It builds segments ``[START, END)`` of the live generation off the write lock, writes the staging
folder's path to the file READY, waits for the file GO to appear, then commits under the write lock
and prints the generation it published, or ``abandoned``. It loads no model: merging needs none.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from qa.store.generations import current_generation
from qa.store.manifest import read_manifest
from qa.store.merge_lock import merge_lock
from qa.store.merges import MergePlan, build_merge, commit_merge
from qa.store.reader import load_current
from qa.store.writer_lock import WriterLock

BUSY = 3


def main(root: Path, start: int, end: int, ready: Path, go: Path) -> int:
    model = read_manifest(current_generation(root)).model
    with merge_lock(root) as held:
        if not held:
            print("busy", flush=True)
            return BUSY
        base = load_current(root, model)
        built = build_merge(root, MergePlan(base, start, end))
        ready.write_text(str(built.staged), encoding="utf-8")
        deadline = time.monotonic() + 120
        while not go.exists():
            if time.monotonic() > deadline:
                raise SystemExit("GO never came")
            time.sleep(0.02)
        with WriterLock(root).held(wait=60):
            done = commit_merge(root, built, load_current(root, model, loaded=base.segments))
        print("abandoned" if done is None else done.manifest.generation, flush=True)
    return 0


if __name__ == "__main__":
    directory, first, last, ready_file, go_file = sys.argv[1:]
    sys.exit(main(Path(directory), int(first), int(last), Path(ready_file), Path(go_file)))
