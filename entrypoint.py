"""The container's entrypoint: everything happens in :mod:`sieve_action.action`."""

from sieve_action.action import main

raise SystemExit(main())
