"""Build-time only: copy into ROOT what the action's run needs, for a `FROM scratch` stage.

    /opt/venv/bin/python /tmp/collect.py ROOT --venv /opt/venv --app /app

Run by the Dockerfile's first stage with the venv's own Python; never part of the final
image. Every path comes from the interpreter, so the same file serves Debian's python3
(`/usr/bin`, `/usr/lib/python3.X`, libpython linked in) and the official images
(`/usr/local`, a shared libpython, found through `ld.so.cache`):

- the venv (`--venv`, with its bytecode) and the code (`--app`), as they are;
- the base interpreter, `sys._base_executable` (the venv's `python` chain of links and
  `pyvenv.cfg`'s `home` kept as links), and each directory of its `sys.path` (the
  standard library and its extension modules) less what a run can never load (`SKIP`);
- every shared library that `ldd` finds for the interpreter and for each extension
  module kept (the standard library's and the venv's), the ELF interpreter by the path
  the binaries name (usr-merge's `/lib64` link kept), `libgcc_s` (glibc loads it for
  thread cancellation without telling `ldd`) and `/etc/ld.so.cache`;
- the CA bundle, `/etc/passwd`, `/etc/group`, `/etc/nsswitch.conf`, an empty `/tmp`
  (1777);
- bytecode for every standard library module kept (unchecked-hash, with the real paths:
  the files are compiled where they will be, ROOT stripped from their names).

Symbolic links are recreated as links, their targets copied too. Prints a summary.
"""

from __future__ import annotations

import argparse
import compileall
import os
import py_compile
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

# What a run can never load: tests, GUIs, development and packaging tools, interactive
# terminals, databases. Names of entries directly under a standard library folder;
# extension modules by the name before the first dot.
SKIP = {
    "test", "tests", "idlelib", "tkinter", "turtle.py", "turtledemo", "ensurepip",
    "lib2to3", "pydoc_data", "distutils", "venv", "__phello__", "site-packages",
    "dist-packages", "_tkinter", "_curses", "_curses_panel", "readline", "_dbm",
    "_gdbm", "_sqlite3", "sqlite3", "dbm", "curses", "nis", "ossaudiodev", "_crypt",
    "crypt.py", "xxlimited", "xxlimited_35", "_xxtestfuzz", "_xxsubinterpreters",
    "_ctypes_test", "_testbuffer", "_testcapi", "_testclinic", "_testimportmultiple",
    "_testinternalcapi", "_testmultiphase", "_testsinglephase", "_lsprof",
}  # fmt: skip
SKIP_PATTERNS = (re.compile(r"^config-\d"), re.compile(r"^python\d+\.zip$"))
ETC = ("/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/ld.so.cache")
LDD_PATH = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x[0-9a-f]+\)")


class Collector:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.done: set[str] = set()
        self.files = 0
        self.links = 0

    def target(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def add(self, path: str) -> None:
        """Copy PATH, recreating each symbolic link met on the way, and its target."""
        path = os.path.normpath(os.path.abspath(path))
        if path in self.done:
            return
        self.done.add(path)
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:i])
            if os.path.islink(prefix):
                self.link(prefix)
                rest = parts[i:]
                resolved = os.path.join(os.path.dirname(prefix), os.readlink(prefix))
                self.add(os.path.join(resolved, *rest) if rest else resolved)
                return
        mode = os.lstat(path).st_mode
        if stat.S_ISDIR(mode):
            self.target(path).mkdir(parents=True, exist_ok=True)
            for entry in sorted(os.listdir(path)):
                self.add(os.path.join(path, entry))
        elif stat.S_ISREG(mode):
            dest = self.target(path)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            self.files += 1

    def link(self, path: str) -> None:
        dest = self.target(path)
        if dest.is_symlink():
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.readlink(path), dest)
        self.links += 1

    def add_tree(self, top: str, skip: bool, apart: tuple[str, ...] = ()) -> list[str]:
        """Copy a folder (less SKIP when asked, and less the folders copied apart);
        return the extension modules copied."""
        extensions = []
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in apart]
            if skip and folder == top:
                dirs[:] = [d for d in dirs if not skipped(d)]
                files = [f for f in files if not skipped(f)]
            dirs[:] = sorted(dirs)
            for name in sorted(files) + [
                d for d in dirs if os.path.islink(os.path.join(folder, d))
            ]:
                path = os.path.join(folder, name)
                self.add(path)
                if name.endswith(".so") or ".so." in name:
                    extensions.append(path)
            self.target(folder).mkdir(parents=True, exist_ok=True)
        return extensions


def skipped(name: str) -> bool:
    return name.split(".")[0] in SKIP or name in SKIP or any(p.match(name) for p in SKIP_PATTERNS)


def ldd(binary: str) -> set[str]:
    """The libraries BINARY links, as `ldd` resolves them (the ELF interpreter included)."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=False)
    if "not found" in out.stdout:
        raise SystemExit(f"collect: {binary} links a library that is not found:\n{out.stdout}")
    return {m.group(1) for m in LDD_PATH.finditer(out.stdout)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--app", required=True)
    args = parser.parse_args()
    collector = Collector(args.root)
    venv, app = os.path.abspath(args.venv), os.path.abspath(args.app)

    # The venv (pyvenv.cfg and bin/python's links to the base interpreter) and the code.
    collector.add_tree(venv, skip=False)
    collector.add_tree(app, skip=False)
    extensions = [str(p) for p in Path(venv).rglob("*.so*") if p.is_file()]
    # The interpreter the venv's links end at, and the standard library's folders.
    base = os.path.realpath(sys._base_executable)  # type: ignore[attr-defined]
    collector.add(sys._base_executable)  # type: ignore[attr-defined]
    collector.add(base)
    prefixes = tuple({os.path.join(sys.base_prefix, ""), os.path.join(sys.base_exec_prefix, "")})
    stdlib_dirs = [p for p in sys.path if os.path.isdir(p) and p.startswith(prefixes)]
    for top in stdlib_dirs:
        extensions += collector.add_tree(top, skip=True, apart=tuple(stdlib_dirs))

    # Shared libraries: the interpreter's and the extension modules' (libpython with
    # them, when the interpreter links it), then libgcc_s, from libc's folder.
    libraries: set[str] = set()
    for binary in [base, *extensions]:
        libraries |= ldd(binary)
    libc = next((lib for lib in libraries if os.path.basename(lib) == "libc.so.6"), None)
    if libc is not None:
        for folder in {os.path.dirname(libc), os.path.dirname(os.path.realpath(libc))}:
            gcc = os.path.join(folder, "libgcc_s.so.1")
            if os.path.exists(gcc):
                libraries.add(gcc)
                break
        else:
            raise SystemExit(f"collect: no libgcc_s.so.1 beside {libc}")
    for library in sorted(libraries):
        collector.add(library)

    # The CA bundle (whatever the base's OpenSSL is set to read), users, name service.
    paths = ssl_paths()
    for path in [*paths, *ETC]:
        if os.path.exists(path):
            collector.add(path)
    tmp = args.root / "tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o1777)

    # Bytecode for the standard library kept, compiled where it lies in ROOT but named
    # by its real path (ROOT stripped), unchecked-hash: the same bytes on every build.
    ok = True
    for top in stdlib_dirs:
        ok &= bool(
            compileall.compile_dir(
                collector.target(top),
                quiet=1,
                workers=0,
                stripdir=str(args.root),
                prependdir="/",
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
        )
    if not ok:
        raise SystemExit("collect: the standard library did not compile")
    print(
        f"collect: {collector.files} files, {collector.links} links; interpreter {base}; "
        f"standard library {stdlib_dirs}; {len(libraries)} libraries; "
        f"Python {sysconfig.get_python_version()}"
    )
    return 0


def ssl_paths() -> list[str]:
    import ssl

    found = []
    defaults = ssl.get_default_verify_paths()
    for path in (defaults.cafile, defaults.openssl_cafile):
        if path and os.path.exists(path):
            found.append(path)
    return found


if __name__ == "__main__":
    raise SystemExit(main())
