"""The container's entrypoint: everything happens in :mod:`sieve_action.action`."""

import gc

# Importing httpx and the action allocates objects that live for the whole (short) run;
# collecting them mid-import is wasted work (docs/performance.md measures it).
gc.disable()
from sieve_action.api.tls import PendingContext  # noqa: E402

# The CA bundle loads on a thread while the rest imports (sieve_action/api/tls.py).
tls = PendingContext()
from sieve_action.action import main  # noqa: E402

gc.freeze()
gc.enable()

raise SystemExit(main(tls))
