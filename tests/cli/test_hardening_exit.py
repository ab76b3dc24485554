"""A crash is never exit status 0: an unhandled exception in the app is one line and exit 1.

Textual ends the app on an exception in a handler or a worker and sets `app.return_code` to 1;
`tui.cli.launch.run_app` turns that into the process's exit status, with one line on stderr (the
traceback only with LLM_TUI_DEBUG=1).
"""

from __future__ import annotations

import argparse
import threading

import pytest
from textual import work

import tui.cli.launch
from engine.settings import Settings
from tests.tui.helpers import TEST_DEVICE
from tui.app import LlmTuiApp
from tui.cli import main
from tui.cli.launch import CRASH_MESSAGE, EXIT_CRASH, run_app


class Boom(RuntimeError):
    pass


class CrashOnMount(LlmTuiApp):
    def on_mount(self) -> None:
        raise Boom("in a handler")


class CrashInWorker(LlmTuiApp):
    def on_mount(self) -> None:
        self.explode()

    @work(thread=True)
    def explode(self) -> None:
        raise Boom("in a worker")


class CrashOnKey(LlmTuiApp):
    def on_ready(self) -> None:
        self.call_after_refresh(self.fail_later)

    def fail_later(self) -> None:
        raise Boom("in a callback")


class QuitCleanly(LlmTuiApp):
    def on_ready(self) -> None:
        self.run_worker(self.quit_when_idle())

    async def quit_when_idle(self) -> None:
        await self.wait_until_idle(WAIT)  # the panes mounted: quitting during that mount is a bug of its own
        self.exit()


WAIT = 60.0  # seconds for one headless run: a hang fails the test instead of stopping the suite


def _run(app: LlmTuiApp) -> int:
    """`_run(app)` in a thread, given at most `WAIT` seconds."""
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(run_app(app, headless=True)), daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), f"the app did not end within {WAIT} s"
    return codes[0]


def _app(cls: type[LlmTuiApp]) -> LlmTuiApp:
    return cls("Hello", Settings(), theme_name="llm-dark", device=TEST_DEVICE, colors="truecolor")


@pytest.mark.parametrize("cls", [CrashOnMount, CrashInWorker, CrashOnKey])
def test_a_crash_is_one_line_and_exit_1(capsys, monkeypatch, cls):
    monkeypatch.delenv("LLM_TUI_DEBUG", raising=False)
    app = _app(cls)
    assert _run(app) == EXIT_CRASH == 1
    assert app.return_code == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [CRASH_MESSAGE], err
    assert "Traceback" not in err and "Boom" not in err


@pytest.mark.parametrize("cls", [CrashOnMount, CrashInWorker])
def test_with_llm_tui_debug_the_traceback_is_shown_too(capsys, monkeypatch, cls):
    monkeypatch.setenv("LLM_TUI_DEBUG", "1")
    assert _run(_app(cls)) == 1
    err = capsys.readouterr().err
    assert "Boom" in err and err.strip().splitlines()[-1] == CRASH_MESSAGE


def test_a_clean_quit_is_exit_0(capsys, monkeypatch):
    monkeypatch.delenv("LLM_TUI_DEBUG", raising=False)
    app = _app(QuitCleanly)
    assert _run(app) == 0 and app.return_code == 0
    assert CRASH_MESSAGE not in capsys.readouterr().err


@pytest.mark.parametrize("interactive", [False, True])
@pytest.mark.parametrize("code", [1, 3])
def test_the_command_exits_1_when_the_app_crashed(capsys, monkeypatch, interactive, code):
    # The whole `llm-tui` command: launch's app ends with a non-zero return code, main says so.
    class Ended(LlmTuiApp):
        def run(self, *args, **kwargs):
            self.exit(return_code=code)  # as Textual leaves it after an unhandled exception

    def build(args: argparse.Namespace, interactive_: bool) -> LlmTuiApp:
        return _app(Ended)

    monkeypatch.delenv("LLM_TUI_DEBUG", raising=False)
    monkeypatch.setattr(tui.cli.launch, "build_app", build)
    monkeypatch.setattr("sys.stdin.isatty", lambda: interactive, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: interactive, raising=False)
    assert main([]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [CRASH_MESSAGE]
