# The image GitHub's runner builds for this action (runs.image: Dockerfile).
# Only what runs: a venv holding the locked runtime dependencies, then the code.
# Measured build time and size, and how: docs/image.md.

# A slim official Python image (it ships pip); a build argument so that a registry
# mirror, or a locally made base (ci/image/smoke.sh), can stand in for it.
ARG BASE_IMAGE=python:3.13-slim
FROM ${BASE_IMAGE}

# No bytecode written, at build or at run time (the container runs once);
# output reaches the log as it is written.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Dependencies before the code, from the lock alone, so that a code change reuses
# this layer. The venv gets no pip of its own: the base's pip installs into it
# (--python), checking every file against the lock's hashes; --no-deps because
# the lock is complete.
COPY requirements/runtime.txt /tmp/runtime.txt
RUN python3 -m venv --without-pip /opt/venv \
 && python3 -m pip --python /opt/venv/bin/python install \
      --no-cache-dir --no-compile --disable-pip-version-check \
      --require-hashes --no-deps -r /tmp/runtime.txt \
 && rm /tmp/runtime.txt

# The code last; entrypoint.py sits beside the package, so nothing is installed.
COPY sieve_action/ /app/sieve_action/
COPY entrypoint.py /app/entrypoint.py

# No USER: the runner's file command files belong to root (GitHub's advice).
ENTRYPOINT ["/opt/venv/bin/python", "/app/entrypoint.py"]
