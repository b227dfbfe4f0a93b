"""The container's entrypoint: everything happens in :mod:`sieve_action.action`."""

import gc

# Importing pydantic and httpx allocates hundreds of thousands of objects that live for
# the whole (short) run; collecting them mid-import is wasted work (about 25 ms, see
# docs/performance.md).
gc.disable()
from sieve_action.tls import PendingContext  # noqa: E402

# The CA bundle loads on a thread while the rest imports (sieve_action/tls.py).
tls = PendingContext()
from sieve_action.action import main  # noqa: E402

gc.freeze()
gc.enable()

raise SystemExit(main(tls))
