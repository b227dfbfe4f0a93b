"""``python -m sieve_action``: the command-line tool."""

from sieve_action.cli import main

raise SystemExit(main())
