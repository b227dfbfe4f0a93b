"""Sieve's HTTP API, knowing nothing of steps, and the exchange every service's client
shares.

Owns Sieve's objects as its OpenAPI document describes them (``models``), an answer's
JSON checked against a model (``shape``), one bounded exchange with any service: its
retries, deadlines, size caps and scrubbing, told a service's own rules by a ``Service``
(``http``), Sieve's client and rules (``client``), retry and size defaults (``policy``),
one operation and its retry log line (``request``), what crosses the wire and Sieve's
error answers in words (``wire``), the runner's network as a request meets it
(``network``) and the TLS context (``tls``). GitHub's client is
:mod:`sieve_action.github`, built on ``http``.

May import: :mod:`sieve_action.errors`, :mod:`sieve_action.secrets` and the package's
version. Never the step's inputs (:mod:`sieve_action.contract`) nor anything above.
"""
