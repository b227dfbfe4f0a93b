"""GitHub's REST API, for the capacity review's one comment on the pull request.

Owns GitHub's objects as far as they are read (``models``), GitHub's rules for the
shared exchange: rate limits and error answers in words (``rules``), the client with its
four operations: list, create and update an issue's comments, read a pull request
(``client``), the body with its marker, footer and cut under GitHub's limit (``body``),
and the comment kept up to date, never a person's (``comment``).

May import: :mod:`sieve_action.api` (the bounded exchange, the retry policy, shapes),
:mod:`sieve_action.errors` and :mod:`sieve_action.secrets`. Never the step's inputs
(:mod:`sieve_action.contract`), :mod:`sieve_action.scaling`, nor anything above: what
the comment says is made above and handed in as text.
"""
