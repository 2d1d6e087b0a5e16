"""`gridgov token create|list|revoke`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gridgov.accounts.actions import user_for_token
from gridgov.accounts.management.commands.token import Command
from gridgov.accounts.models import ApiToken


def run(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_create_prints_the_raw_token_alone_on_the_last_line(world):
    output = run("create", "grid_worker_a", "--name", "巡查脚本")
    raw = output.rstrip("\n").splitlines()[-1]
    assert raw.startswith("ggv_") and " " not in raw
    assert user_for_token(raw) == world.grid_worker_a
    token = ApiToken.objects.get(user=world.grid_worker_a)
    assert token.name == "巡查脚本"
    assert token.digest != raw


def test_create_without_name_gets_a_default_name(world):
    run("create", "resident")
    assert ApiToken.objects.get(user=world.resident).name.startswith("cli ")


def test_token_from_cli_works_on_the_api(world, client):
    raw = run("create", "grid_worker_a").splitlines()[-1]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "grid_worker_a"


def test_list_shows_prefixes_and_states(world):
    first = run("create", "street_admin", "--name", "one").splitlines()[-1]
    run("create", "street_admin", "--name", "two")
    run("revoke", first[:12])
    listing = run("list", "street_admin")
    assert first[:12] in listing
    assert first not in listing  # never the raw token
    lines = {line.split("\t")[1]: line for line in listing.splitlines()[1:]}
    assert lines["one"].split("\t")[-1].startswith("revoked")
    assert lines["two"].split("\t")[-1] == "active"
    assert "no API tokens" in run("list", "outsider")


def test_revoke_by_prefix_or_whole_token(world):
    raw = run("create", "resident").splitlines()[-1]
    assert "Revoked" in run("revoke", raw[:12])
    assert user_for_token(raw) is None
    other = run("create", "resident").splitlines()[-1]
    run("revoke", other)
    assert user_for_token(other) is None
    with pytest.raises(CommandError, match="No active token"):
        run("revoke", raw[:12])


def test_revoke_needs_the_whole_prefix(world):
    raw = run("create", "resident").splitlines()[-1]
    with pytest.raises(CommandError, match="12-character prefix"):
        run("revoke", raw[:6])
    assert user_for_token(raw) == world.resident


@pytest.mark.parametrize("args", [("create", "nobody"), ("list", "nobody")])
def test_unknown_user_is_a_command_error(world, args):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run(*args)
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(world):
    world.resident.is_active = False
    world.resident.save()
    with pytest.raises(CommandError, match="inactive"):
        run("create", "resident")


def test_unknown_user_exits_with_status_1_on_the_command_line(world, capsys):
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["gridgov", "token", "--skip-checks", "create", "nobody"])
    assert exited.value.code == 1
    assert "No user named 'nobody'" in capsys.readouterr().err


def test_an_action_is_required(world):
    with pytest.raises(CommandError):
        run()
