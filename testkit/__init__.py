"""What tests, benchmarks, the demo and CI use to exercise the action, and never ship:
a Sieve simulator, GitHub's runner as far as a container action sees it,
``action.yml`` as the runner reads it, and what users see rendered in headless Chromium
(``browser``). Standard library only, so it runs on any Python of the project's, the
runtime venv of the benchmarks included; the one exception, ``cmarkgfm`` (a test
requirement, for Markdown as GitHub renders it), is imported only when a document is
rendered (``gfm.render_gfm``).

Not part of the package: the wheel holds ``sieve_action`` alone, and the image copies
only ``sieve_action/`` and ``entrypoint.py``. Use it from a clone's root, e.g.
``python -m testkit.simulator --help``.
"""
