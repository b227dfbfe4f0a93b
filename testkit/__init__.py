"""What tests, benchmarks, the demo and CI use to exercise the action, and never ship:
a Sieve simulator, GitHub's runner as far as a container action sees it, and
``action.yml`` as the runner reads it. Standard library only, so it runs on any Python
of the project's, the runtime venv of the benchmarks included.

Not part of the package: the wheel holds ``sieve_action`` alone, and the image copies
only ``sieve_action/`` and ``entrypoint.py``. Use it from a clone's root, e.g.
``python -m testkit.simulator --help``.
"""
