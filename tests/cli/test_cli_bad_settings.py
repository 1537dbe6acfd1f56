"""A bad CABLEQA_ setting stops a command with one line naming the variable, its value and what is wrong, exit 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from suite_support import REPO, cli


def test_bad_settings_are_named_with_their_values_and_nothing_starts(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "CABLEQA_INDEX_DIR": str(tmp_path / "index"),
           "CABLEQA_KEYWORD_TRUST": "lots", "CABLEQA_PORT": "99999", "CABLEQA_SEARCH_THREADS": "0"}

    done = subprocess.run(cli("serve"), cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "CABLEQA_KEYWORD_TRUST='lots': Input should be a valid number" in done.stderr
    assert "CABLEQA_PORT='99999': Input should be less than or equal to 65535" in done.stderr
    assert "CABLEQA_SEARCH_THREADS='0': Input should be greater than or equal to 1" in done.stderr
    assert not (tmp_path / "index").exists()  # nothing was built or written
