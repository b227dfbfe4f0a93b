"""The outputs as a GitLab dotenv report (``artifacts:reports:dotenv``): one line
``SIEVE_<OUTPUT>=value`` per output, each name made from
:data:`~sieve_action.contract.outputs.OUTPUTS` (``version-id`` is ``SIEVE_VERSION_ID``).

GitLab's rules: each line is ``KEY=VALUE``, split at the first ``=``, blanks around both
dropped, quotes kept as they are; a key is ASCII letters, digits and ``_``; a value is
one line; no blank line or comment; the file is under ``dotenv_size`` (5 KB) and holds at
most ``dotenv_variables`` (20 on the lowest plans). A job that receives the variables
expands ``$NAME`` in them, so ``$`` is written ``$$``. A value that cannot be written so
(a line break, blanks around it) is left out, and when the rest does not fit, the largest
values are left out first; :class:`Dotenv` names each and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..contract.outputs import OUTPUT_NAMES

PREFIX = "SIEVE_"
#: GitLab refuses a dotenv report of this many bytes or more (its default ``dotenv_size``).
MAX_BYTES = 5 * 1024
#: The fewest variables a GitLab plan takes from one report (``dotenv_variables``).
MAX_VARIABLES = 20


def dotenv_name(output: str) -> str:
    """The variable an output becomes: ``version-id`` → ``SIEVE_VERSION_ID``."""
    return PREFIX + output.upper().replace("-", "_")


#: Every output's variable, in the outputs' order.
DOTENV_NAMES = {name: dotenv_name(name) for name in OUTPUT_NAMES}


@dataclass(frozen=True)
class Dotenv:
    """The report's text, and each variable left out of it with why, for the log."""

    text: str
    left_out: tuple[str, ...]


def dotenv(values: Mapping[str, str]) -> Dotenv:
    """The report of ``values`` (output name → value, already scrubbed and printable, as
    the outputs are written), lines in the outputs' order."""
    lines: dict[str, str] = {}
    left_out: list[str] = []
    for name in OUTPUT_NAMES:
        if name not in values:
            continue
        key, value = DOTENV_NAMES[name], values[name]
        if "\n" in value or "\r" in value:
            left_out.append(f"{key} (its value has a line break)")
        elif value != value.strip():
            left_out.append(f"{key} (its value starts or ends with a blank, which GitLab drops)")
        else:
            lines[key] = f"{key}={value.replace('$', '$$')}\n"
    budget, kept = MAX_BYTES - 1, set[str]()
    for key, line in sorted(lines.items(), key=lambda item: len(item[1].encode())):
        size = len(line.encode())
        if len(kept) == MAX_VARIABLES:
            left_out.append(f"{key} (GitLab takes at most {MAX_VARIABLES} variables)")
        elif size > budget:
            left_out.append(f"{key} ({size} bytes: the report must stay under {MAX_BYTES})")
        else:
            kept.add(key)
            budget -= size
    return Dotenv("".join(line for key, line in lines.items() if key in kept), tuple(left_out))
