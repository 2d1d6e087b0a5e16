"""Settings come from the environment; the embedded default is SQLite in WAL mode."""

import os
import subprocess
import sys

PRINT_DB = (
    "from django.db import connection; from django.conf import settings; "
    "c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
    "print(c.fetchone()[0], settings.DATABASES['default']['NAME'], settings.TIME_ZONE, "
    "settings.LANGUAGE_CODE)"
)


def run_shell(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    environment.update(GRIDGOV_DATA_DIR=str(tmp_path), **env)
    return (
        subprocess.run(
            [sys.executable, "-m", "gridgov", "shell", "-c", PRINT_DB],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        .stdout.strip()
        .splitlines()[-1]
        .split()
    )


def test_default_database_is_sqlite_in_wal_mode_under_var(tmp_path):
    mode, name, time_zone, language = run_shell(tmp_path)
    assert mode == "wal"
    assert name == str(tmp_path / "gridgov.sqlite3")
    assert (time_zone, language) == ("Asia/Shanghai", "zh-hans")


def test_secret_key_is_generated_once_and_kept(tmp_path):
    run_shell(tmp_path)
    key = (tmp_path / "secret_key").read_text()
    run_shell(tmp_path)
    assert (tmp_path / "secret_key").read_text() == key and len(key) > 40


def test_database_url_switches_the_database(tmp_path):
    _mode, name, *_ = run_shell(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/other.db")
    assert name == f"{tmp_path}/other.db"
