"""Production settings pass Django's deployment checks, and `kinward serve` serves with gunicorn."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path) -> dict:
    keys = tmp_path / "keys"
    keys.mkdir()
    secret = keys / "secret_key"
    secret.write_text("x" * 20 + "-production-secret-for-tests-only-" + "y" * 30)
    secret.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(KINWARD_PRODUCTION="true", KINWARD_DATA_DIR=str(tmp_path), KINWARD_SECRET_KEY_FILE=str(secret),
               DJANGO_SETTINGS_MODULE="kinward.config.settings")
    return env


def test_manage_check_deploy_is_clean_under_production_settings(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secret_key_file(tmp_path):
    env = production_env(tmp_path)
    env["KINWARD_SECRET_KEY_FILE"] = str(tmp_path / "missing")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0 and "does not exist" in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kinward_serve_runs_gunicorn_and_answers(tmp_path):
    env = production_env(tmp_path)
    env["KINWARD_SECURE_SSL_REDIRECT"] = "false"
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kinward.cli", "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as response:
                    body = response.read()
                    break
            except OSError:
                time.sleep(0.25)
        assert body == b"ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            assert b"Sign in" in response.read()
    finally:
        server.terminate()
        server.wait(timeout=20)
