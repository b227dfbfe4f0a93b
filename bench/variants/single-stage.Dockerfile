# The Dockerfile before the FROM scratch stage (commit 5a5dbf7), kept to measure
# against: ci/image/e2e.sh pushes and pulls it beside the image (docs/image.md).
# The action's image: built by the runner for `uses: ./`, forks and `@main`
# (runs.image: Dockerfile), and built once by the release workflow for `@vX`, whose
# action.yml names the pushed image by digest. Only what runs: a venv holding the
# locked runtime dependencies, then the code, both with their bytecode.
# Measured build time and size, and how: docs/image.md.

# A slim official Python image (it ships pip); a build argument so that a registry
# mirror, or a locally made base (ci/image/lib.sh), can stand in for it.
ARG BASE_IMAGE=python:3.13-slim
FROM ${BASE_IMAGE}

# Output reaches the log as it is written; a run writes no bytecode (the build
# wrote what it needs, and the container runs once).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Dependencies before the code, from the lock alone, so that a code change reuses
# this layer. The venv gets no pip of its own: the base's pip installs into it
# (--python), checking every file against the lock's hashes; --no-deps because
# the lock is complete. Then their bytecode, once, by the venv's own Python:
# unchecked-hash .pyc files hold no timestamp (the same bytes on every build) and
# are used without reading the source again.
COPY requirements/runtime.txt /tmp/runtime.txt
RUN python3 -m venv --without-pip /opt/venv \
 && python3 -m pip --python /opt/venv/bin/python install \
      --no-cache-dir --no-compile --disable-pip-version-check \
      --require-hashes --no-deps -r /tmp/runtime.txt \
 && rm /tmp/runtime.txt \
 && /opt/venv/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/venv

# The code last; entrypoint.py sits beside the package, so nothing is installed.
# Its bytecode, and that of the standard library modules a run loads (the official
# images ship none): importing the action, making an HTTP client and encoding a
# host name as a connection does load them; each one without a .pyc gets one.
COPY sieve_action/ /app/sieve_action/
COPY entrypoint.py /app/entrypoint.py
RUN /opt/venv/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /app/sieve_action \
 && cd /app && /opt/venv/bin/python -c 'import importlib.util, os, py_compile, sys, sysconfig; \
import sieve_action.action, httpx; httpx.Client(); "sievedata.com".encode("idna"); \
lib = sysconfig.get_paths()["stdlib"] + os.sep; \
files = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())}); \
[py_compile.compile(f, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH) \
 for f in files if f.startswith(lib) and f.endswith(".py") \
 and not os.path.exists(importlib.util.cache_from_source(f))]'

# No USER: the runner's file command files belong to root (GitHub's advice).
ENTRYPOINT ["/opt/venv/bin/python", "/app/entrypoint.py"]
