"""What make run's processes leave and say outside their output: gunicorn's control socket stays in
VAR_DIR (never in the home folder), and a Celery worker run as root prints one note, not a warning block."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from types import SimpleNamespace

import pytest
from celery.exceptions import SecurityWarning
from celery.platforms import ASSUMING_ROOT, check_privileges

from recengine.celery import ROOT_NOTE, root_warning_to_note
from recengine.testing.servers import free_port, gunicorn_server, production_env


@pytest.mark.slow
def test_gunicorn_puts_its_control_socket_in_var_and_nothing_in_home(tmp_path):
    home, var_dir, port = tmp_path / "home", tmp_path / "var", free_port()
    home.mkdir()
    control_socket = var_dir / "gunicorn" / f"web-127.0.0.1-{port}.ctl"
    env = production_env(f"postgres://postgres@127.0.0.1:{free_port()}/recengine", HOME=str(home),
                         RECENGINE_VAR_DIR=str(var_dir), WEB_CONCURRENCY="1", GUNICORN_BIND=f"127.0.0.1:{port}",
                         GUNICORN_ACCESS_LOG="")
    env.pop("XDG_RUNTIME_DIR", None)  # gunicorn's default would be there, else in ~/.gunicorn/
    gunicornc = os.path.join(os.path.dirname(sys.executable), "gunicornc")

    with gunicorn_server(env, log_path=tmp_path / "gunicorn.log", ready=lambda master: control_socket.exists()):
        answer = subprocess.run([gunicornc, "--socket", str(control_socket), "--command", "show workers", "--json"],
                                capture_output=True, text=True, timeout=30, env=env)
        in_home = list(home.rglob("*"))

    assert answer.returncode == 0, answer.stderr
    assert len(json.loads(answer.stdout)["workers"]) == 1  # gunicornc reaches this server through it
    assert in_home == [] and list(home.rglob("*")) == []
    assert not control_socket.exists()  # removed when gunicorn stops


@pytest.mark.skipif(os.geteuid() != 0, reason="Celery warns only a worker run as root")
def test_a_json_only_worker_as_root_prints_one_note_instead_of_celerys_warning_block(capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        root_warning_to_note(conf=SimpleNamespace(accept_content=["json"]))
        check_privileges(["json"])  # what Celery runs right after the signal: its warning as root
        warnings.warn(SecurityWarning(ASSUMING_ROOT))  # another security warning still shows

    assert [str(warning.message) for warning in caught] == [ASSUMING_ROOT]
    assert capsys.readouterr().err == ROOT_NOTE + "\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="Celery warns only a worker run as root")
def test_a_worker_that_accepts_pickle_keeps_celerys_warning(capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        root_warning_to_note(conf=SimpleNamespace(accept_content=["json", "pickle"]))
        check_privileges(["json"])

    assert len(caught) == 1 and "superuser privileges" in str(caught[0].message)
    assert capsys.readouterr().err == ""
