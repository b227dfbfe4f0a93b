"""The time a cancelled step has, stated once, and how its clean-up spends it.

On a cancel (or ``timeout-minutes``) the runner sends SIGTERM and kills the step
:data:`RUNNER_GRACE` seconds later at the earliest (7.5 to 10 s). In that time, side by
side: every smoke test job is stopped (a push still in flight awaited, then the cancel,
then a read when Sieve refuses the cancel because the job had ended), and every version
this step raised is set back (a read, then an edit). Each request is one attempt within
its share; :data:`LONGEST`, the longer of the two paths, fits in the grace.
"""

from __future__ import annotations

#: From SIGTERM to the runner's kill, at the earliest.
RUNNER_GRACE = 7.5
#: How long a cancelled step waits for a push already sent, to cancel the job it made.
PUSH_GRACE_SECONDS = 2.0
#: One cancel of a smoke test job.
CANCEL_SECONDS = 2.5
#: One read of a job whose cancel Sieve refused (it had ended: how?).
READ_SECONDS = 1.5
#: Each of a restore's read and edit.
RESTORE_SECONDS = 2.5
#: The clean-up's longest path: a smoke test's stop, or a restore's read then edit.
LONGEST = max(PUSH_GRACE_SECONDS + CANCEL_SECONDS + READ_SECONDS, 2 * RESTORE_SECONDS)
