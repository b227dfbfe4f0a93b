"""Capacity on a clock: the capacity file and what it says at any instant.

Owns the model (``model``: Bounds, Window, Override, Prices, Schedule), reading the file
(``file``: its YAML composed within limits; ``reader``: one pass over it, every mistake
collected; ``parts``: its timezone, holidays and prices; ``values``: days, times and
dates; ``overlap``: ``min <= max`` wherever windows meet), the calendar (``calendar``:
zones, daylight saving, holidays), the schedule seen from an instant (``schedule``), the
step's part (``step``: the schedule into targets, and what the run saw) and its summary
and outputs (``summary``).

Imported lazily, only by the driver and the edges (and the review, itself imported
lazily), only for a capacity step: it loads PyYAML, ``tzdata`` and ``holidays``, which no
other step pays for. May import the report, scaling, the contract and everything below.
"""
