"""A capacity file's change on a pull request: the week's plan of the change and its cost,
from the two files alone, in one comment kept up to date.

Owns the change over the week (``change``: every differing stretch, functions added and
removed, replica-hours before and after), the prices (``cost``: from the file, or
estimated from Sieve's usage), the chart (``chart``: Mermaid), the words (``comment``:
totals, verdict, rows, stretches), where it goes on GitHub (``post``) and the step's
glue (``step``).

Imported lazily, only by the driver, only for a review. May import the capacity
schedule, GitHub's client, the report, and everything below them.
"""
