"""Sieve's HTTP API, knowing nothing of steps.

Owns Sieve's objects as its OpenAPI document describes them (``models``), an answer's
JSON checked against them (``shape``), the client with its retries, deadlines and size
caps (``client``, ``policy``, ``request``, ``wire``), the runner's network as a request
meets it (``network``) and the TLS context (``tls``).

May import: :mod:`sieve_action.errors`, :mod:`sieve_action.secrets` and the package's
version. Never the step's inputs (:mod:`sieve_action.contract`) nor anything above.
"""
