"""What a workflow writes and reads, declared and checked once.

Owns every input (``inputs``: name, default, rule, help, examples; ``declare``: how one
is declared) and the checks across them (``checks``), each value's rule (``rules``), the
``targets`` line format (``targets``), the ``smoke-test`` cases (``smoke_cases``), the
``undo`` input (``undo_list``), and every output and ``results`` key (``outputs``).
``action.yml``, the CLI's flags and the README's tables are made from these.

May import: :mod:`sieve_action.errors` and :mod:`sieve_action.secrets`. Never Sieve's
API (:mod:`sieve_action.api`) nor anything above.
"""
