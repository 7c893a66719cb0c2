"""The house's rules, read from the source: stages in layers, doors apart, nothing too long to
hold in one's head, settings read as each stage's view, and no module changing the environment
on import."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from .conftest import ROOT

_SPEC = importlib.util.spec_from_file_location("house", ROOT / "scripts" / "house.py")
house = importlib.util.module_from_spec(_SPEC)  # type: ignore[arg-type]
_SPEC.loader.exec_module(house)  # type: ignore[union-attr]


def test_every_module_has_a_layer_and_imports_run_downwards() -> None:
    edges = house.graph()
    assert [m for m in edges if house.layer_of(m) < 0] == []
    assert house.cycles(edges) == []
    assert house.wrong_way(edges) == []


def test_the_core_never_imports_a_door_or_its_libraries() -> None:
    doors = ("brief_bot.cli", "brief_bot.pool", "brief_bot.slack", "brief_bot.evaluate", "ui")
    for name, path in house.modules().items():
        if house.layer_of(name) >= house.layer_of("brief_bot.cli"):
            continue
        text = path.read_text("utf-8")
        for library in ("gradio", "slack_bolt", "slack_sdk", "typer"):
            assert f"import {library}" not in text and f"from {library}" not in text, name
        assert not any(t.startswith(doors) for t in house.imports(name, path, set(
            house.modules()))), name


def test_functions_and_modules_stay_a_size_one_can_read() -> None:
    assert house.long_functions() == []
    assert house.long_modules() == []


def test_stages_take_their_view_of_the_settings() -> None:
    # Only the facade and the doors' launchers see every setting.
    allowed = {"brief_bot.bot", "brief_bot.pool", "brief_bot.slack.serve", "ui.app", "ui.page"}
    assert {name for name, _ in house.whole_settings()} <= allowed


def test_importing_the_package_changes_no_environment() -> None:
    code = ("import os; before = dict(os.environ); import brief_bot.bot, brief_bot.cli, "
            "brief_bot.config, brief_bot.index.writer, brief_bot.slack.app, ui.app; "
            "print(sorted(set(os.environ.items()) ^ set(before.items())))")
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith(("HF_", "TRANSFORMERS_", "GRADIO_", "ANONYMIZED_",
                                "TOKENIZERS_"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
