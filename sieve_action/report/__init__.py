"""What a step tells the world, from its run records: pure functions to text.

Owns the outputs and the ``results`` JSON (``results``), the Markdown job summaries
(``summary``), Markdown that renders as itself within GitHub's limits (``markdown``),
the log's closing lines (``lines``), and for other CI systems the outputs as a GitLab
dotenv report (``dotenv``) and the smoke test as a JUnit report (``junit``). What each
output holds is declared in :mod:`sieve_action.contract.outputs`.

May import: :mod:`sieve_action.scaling` and everything below it. Never the capacity
schedule, the driver or the edges.
"""
