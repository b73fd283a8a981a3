"""What the spec tests share: the sample volcano copied into a temporary folder, and a minimal
spec (the sample catalogue) that each test extends with the sections it is about."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"

#: A spec that imports the sample volcano's catalogue and does nothing else.
MINIMAL = """
varpy: 1
project: {type: volcanic, id: V, root: out}
data:
  - kind: ecvd
    file: volcano/SYNVOLC_ecvd.txt
    metadata: volcano/SYNVOLC_ecvd_meta.yaml
"""


def copy_sample_volcano(folder: Path) -> Path:
    """``folder`` with a copy of ``sample_data/volcano`` (nothing is written into the repo)."""
    shutil.copytree(SAMPLE / "volcano", folder / "volcano")
    return folder


def spec_with(folder: Path, extra: str, name: str = "spec.yaml") -> Path:
    """``MINIMAL`` followed by ``extra`` (both dedented), written as ``folder/name``."""
    path = folder / name
    path.write_text(textwrap.dedent(MINIMAL).lstrip("\n") + textwrap.dedent(extra).lstrip("\n"),
                    encoding="utf-8")
    return path
