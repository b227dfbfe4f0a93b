# The action's image: built by the runner for `uses: ./`, forks and `@main`
# (runs.image: Dockerfile), and built once by the release workflow for `@vX`, whose
# action.yml names the pushed image by digest. Two stages: the first is a Python base
# with the venv and the code, both with their bytecode; the last is `FROM scratch`
# and holds only what a run uses, collected from the first by image/collect.py.
# Measured build time, size and pull, and how: docs/image.md.

# A slim official Python image (it ships pip); a build argument so that a registry
# mirror, or a locally made base (ci/image/lib.sh), can stand in for it.
ARG BASE_IMAGE=python:3.13-slim
FROM ${BASE_IMAGE} AS build

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

# What a run needs from this stage, copied to /root.d with the paths it has here,
# and the kept standard library compiled there (image/collect.py says what and why).
# The code comes after, so a code change reuses this layer too.
COPY image/collect.py /tmp/collect.py
RUN mkdir /app && /opt/venv/bin/python /tmp/collect.py /root.d --venv /opt/venv --app /app \
 && rm /tmp/collect.py

# The code; entrypoint.py sits beside the package, so nothing is installed.
COPY sieve_action/ /app/sieve_action/
COPY entrypoint.py /app/entrypoint.py
RUN /opt/venv/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /app/sieve_action \
 && mkdir -p /app.d && cp -a /app /app.d/app

# Only what a run uses: no shell, no package manager, no pip. The system part
# (interpreter, libraries, standard library, /etc, /tmp) and the venv in one layer
# that a code change leaves as it was; the code in a layer of its own. To look inside,
# use the image's Python: docker run --rm -it --entrypoint /opt/venv/bin/python IMAGE
FROM scratch
COPY --from=build /root.d/ /
COPY --from=build /app.d/ /
# Output reaches the log as it is written; a run writes no bytecode (the build
# wrote all of it, and the container runs once).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin \
    LANG=C.UTF-8
# No USER: the runner's file command files belong to root (GitHub's advice).
ENTRYPOINT ["/opt/venv/bin/python", "/app/entrypoint.py"]
