"""GitHub's REST API, for the capacity review's one comment on the pull request.

Owns GitHub's objects as far as they are read (``models``), GitHub's rules for the
shared exchange: rate limits and error answers in words (``rules``), the client with its
four operations: list, create and update an issue's comments, read a pull request
(``client``), the body with its marker, footer and cut under GitHub's limit (``body``),
the comment kept up to date, never a person's (``comment``), and the run's event: its
payload, and a schedule about to be turned off (``event``).

May import: :mod:`sieve_action.api` (the bounded exchange, the retry policy, shapes),
:mod:`sieve_action.errors`, :mod:`sieve_action.secrets` and
:mod:`sieve_action.workspace`. Never the step's inputs
(:mod:`sieve_action.contract`), :mod:`sieve_action.scaling`, nor anything above: what
the comment says is made above and handed in as text.
"""
