"""The `gridgov` command: Django's management commands under one name.

`gridgov demo`, `gridgov serve`, `gridgov import-places FILE`, `gridgov token
create USER`, `gridgov seed ...`, `gridgov rezone` and every Django command
(`gridgov migrate`, `gridgov createsuperuser`, ...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["gridgov", *argv])
    # Command names with dashes read better on a shell; Django modules use underscores.
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
