"""entrypoint.py with one suggested change, for ``bench/overhead.py --also``: no cyclic
garbage collection while importing, then the import-time heap frozen (``gc.freeze``) so
that no later collection, the one at exit included, walks it again.

    python bench/overhead.py --also gc-freeze=bench/variants/gc_freeze.py
"""

import gc

gc.disable()

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from sieve_action.action import main  # noqa: E402

gc.freeze()
gc.enable()
raise SystemExit(main())
