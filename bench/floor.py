"""The floor: the least a Python program must do for the action's job.

Start, import httpx, GET the version (``latest`` resolved by Sieve), POST the edit to
the resolved ID. It reads the same ``INPUT_*`` variables as the action, checks nothing,
retries nothing, reports nothing: any failure is an exception and a non-zero exit.
"""

import os

import httpx

env = os.environ
base = f"/v2/functions/{env['INPUT_OWNER']}/{env['INPUT_FUNCTION']}/versions/"
with httpx.Client(base_url=env["INPUT_API-URL"], headers={"X-API-Key": env["INPUT_API-KEY"]}) as c:
    version = c.get(base + env.get("INPUT_VERSION", "latest"))
    version.raise_for_status()
    edit = {"minimum_replicas": int(env["INPUT_MIN-REPLICAS"])}
    c.post(base + version.json()["id"] + "/edit", json=edit).raise_for_status()
