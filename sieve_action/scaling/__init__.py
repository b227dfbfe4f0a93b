"""Doing what the inputs ask, target by target: one target's phases and a fleet's.

Owns the run record (``record``), what every target's work shares (``context``), what an
edit changes (``edit``), the phases of one target (``phases``: read, edit, wait,
smoke-test, retire), setting back what a failed target raised (``restore``), the fleet
and its worker pool (``fleet``), the time a cancelled step has (``grace``), waiting
(``waiting``), the smoke test (``smoke``, ``expect``), retiring earlier versions
(``retire``) and undoing a promotion (``undo``).

May import: :mod:`sieve_action.api`, :mod:`sieve_action.contract`,
:mod:`sieve_action.errors` and :mod:`sieve_action.secrets`. Never the report, the
capacity schedule, the driver or the edges.
"""
