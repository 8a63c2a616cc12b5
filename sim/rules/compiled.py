"""Rules written once as loops over runs: compiled with numba for a batch, plain Python for one run.

A kernel is an ordinary Python function over numpy arrays with a leading run axis that loops over
runs and touches one run's numbers at a time. `@kernel` registers it and returns it unchanged, so
it runs as Python wherever it is called directly. `pick(fn, runs)` returns what a caller should
call: the function itself for a single run in a process that has not loaded numba (a replay pays
neither numba's import nor a compiled function's loading), and its compiled twin otherwise. Both
execute the same source with IEEE double arithmetic in the same order, so a run's numbers do not
depend on which one ran it (`tests/test_kernels.py`).

The compiled twins are made together the first time a batch needs one: each kernel's code is
given a copy of its module's namespace in which every kernel name stands for its compiled twin, so
a kernel calling another kernel calls compiled code. numba caches the machine code on disk: the
first batch after an install compiles, later processes load. numba notices a change to the file a
function is in, not to a function it calls in another file or a constant it imports, so the cache
lives in a folder named by a digest of every rules module (`cache_folder`): a change anywhere in
`sim/rules/` compiles afresh. The folder is under `NUMBA_CACHE_DIR` when that is set, else in the
package's `__pycache__`, else in the user's cache folder; with none writable, each process compiles.

As Python, a kernel reads and writes its arrays through memoryviews (`python_twins`): an element
read from one is a Python number, and arithmetic on Python numbers is several times faster than on
numpy scalars, with the same IEEE double results. The arrays a kernel makes for itself with
`np.zeros`, `np.empty` or `np.ones` are memoryviews too. A memoryview is indexed by a full tuple of
integers or sliced along one axis only; a kernel that takes a row of a 2-D array (`a[r]`) is
registered with `kernel(views=False)` and is given numpy arrays.

`TFT_JIT=0` runs every kernel as Python (to debug a rule with pdb), `TFT_JIT=1` compiles even for
a single run; unset, the choice is as above.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_KERNELS: dict[str, Callable[..., Any]] = {}
_TWINS: dict[str, Any] = {}
_PYTHON: dict[str, Callable[..., Any]] = {}
_NO_VIEWS: set[str] = set()
_INLINED: set[str] = set()
_ALLOCATING: set[str] = set()


def kernel(
    fn: Callable[..., Any] | None = None, *, views: bool = True, inline: bool = False, allocates: bool = False
) -> Any:
    """Register a kernel (a plain function, returned unchanged). `views=False`: as Python, it is
    given its arrays as numpy arrays, not memoryviews (it takes sub-arrays of them). `inline`:
    compiled, its body is written into each kernel that calls it (a small rule called once per
    run or per post: a call that passes a dozen arrays costs more than the rule itself).
    `allocates`: it makes arrays of its own (`np.empty`, ...), so it is compiled with numba's
    reference counting; every other kernel only borrows the arrays it is given (`_compile`)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        known = _KERNELS.get(fn.__name__)
        if known is not None and known is not fn and known.__module__ != fn.__module__:
            raise ValueError(f"two kernels named {fn.__name__}")
        _KERNELS[fn.__name__] = fn
        if not views:
            _NO_VIEWS.add(fn.__name__)
        if inline:
            _INLINED.add(fn.__name__)
        if allocates:
            _ALLOCATING.add(fn.__name__)
        _PYTHON.clear()
        return fn

    return register if fn is None else register(fn)


def jit_mode() -> str:
    """'0' (never compile), '1' (always) or 'auto' (a batch of more than one run)."""
    mode = os.environ.get("TFT_JIT", "auto").strip().lower()
    return mode if mode in ("0", "1") else "auto"


def pick(fn: Callable[..., Any], runs: int) -> Callable[..., Any]:
    """What to call for `runs` runs: the kernel as Python, or its compiled twin. A single run is
    compiled too once numba is loaded in this process (it costs nothing more then)."""
    mode = jit_mode()
    name = fn.__name__
    if mode == "0" or (mode == "auto" and runs <= 1 and "numba" not in sys.modules):
        return _PYTHON.get(name) or python_twins()[name]
    return _TWINS.get(name) or twins()[name]


def _views(value: Any) -> Any:
    kind = type(value)
    if kind is np.ndarray:
        return memoryview(value)
    if kind is tuple:
        return tuple([memoryview(item) if type(item) is np.ndarray else item for item in value])
    return value


class _ViewsNumpy:
    """numpy as a kernel run as Python sees it: the arrays it makes are memoryviews."""

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    @staticmethod
    def zeros(shape: Any, dtype: Any = float) -> memoryview:
        return memoryview(np.zeros(shape, dtype))

    @staticmethod
    def empty(shape: Any, dtype: Any = float) -> memoryview:
        return memoryview(np.empty(shape, dtype))

    @staticmethod
    def ones(shape: Any, dtype: Any = float) -> memoryview:
        return memoryview(np.ones(shape, dtype))


def python_twins() -> dict[str, Callable[..., Any]]:
    """Each kernel as Python, reading its arrays through memoryviews: the same code object in a
    namespace where `np` makes memoryviews and each kernel name stands for its Python twin."""
    if _PYTHON and len(_PYTHON) == len(_KERNELS):
        return _PYTHON
    spaces: dict[str, dict[str, Any]] = {}
    inner: dict[str, Callable[..., Any]] = {}
    for name, fn in _KERNELS.items():
        if fn.__module__ not in spaces:
            spaces[fn.__module__] = dict(vars(sys.modules[fn.__module__]), np=_ViewsNumpy())
        inner[name] = _rebuilt(fn, spaces[fn.__module__])
    for space in spaces.values():
        space.update(inner)
    made = {name: fn if name in _NO_VIEWS else _with_views(fn) for name, fn in inner.items()}
    _PYTHON.clear()
    _PYTHON.update(made)
    return _PYTHON


def _with_views(fn: Callable[..., Any]) -> Callable[..., Any]:
    def called(*args: Any) -> Any:
        return fn(*[_views(arg) for arg in args])

    called.__name__ = called.__qualname__ = fn.__name__
    return called


def _rebuilt(fn: Callable[..., Any], space: dict[str, Any]) -> types.FunctionType:
    """`fn`'s code with the globals `space`."""
    code = types.FunctionType(fn.__code__, space, fn.__name__, fn.__defaults__, fn.__closure__)
    code.__qualname__ = fn.__qualname__
    code.__module__ = fn.__module__
    return code


RULES = Path(__file__).resolve().parent


def sources_digest(folder: Path = RULES) -> str:
    """A digest of every Python source under `folder` (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def numba_version() -> str:
    """numba's version, as its installed metadata gives it (without importing numba, which a
    process that only names the cache folder need not load: `sim.experiments.warm`). Raises
    ImportError where numba is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("numba")
    except PackageNotFoundError:
        import numba  # installed without metadata: ask the package itself

        return numba.__version__


def cache_folder() -> Path | None:
    """Where the compiled rules are cached: a folder named by `sources_digest`, or None."""
    name = f"rules-{sources_digest()}-numba{numba_version()}-numpy{np.__version__}"
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        bases = [Path(given)]
    else:
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        bases = [RULES / "__pycache__" / "numba", home / "tft-sim" / "numba"]
    for base in bases:
        if _writable(base / name):
            return base / name
    return None


def twins() -> dict[str, Any]:
    """The compiled twin of every registered kernel, made (lazily compiled) on first use."""
    missing = [name for name in _KERNELS if name not in _TWINS]
    if not missing:
        return _TWINS
    import numba

    spaces: dict[str, dict[str, Any]] = {}
    for name in _KERNELS:
        module = _KERNELS[name].__module__
        if module not in spaces:
            spaces[module] = dict(vars(sys.modules[module]))
    made = dict(_TWINS)
    folder = cache_folder()
    for name, fn in _KERNELS.items():
        if name in made:
            continue
        made[name] = _compile(numba, _rebuilt(fn, spaces[fn.__module__]), folder, name in _INLINED, name in _ALLOCATING)
    for space in spaces.values():
        space.update(made)
    _TWINS.update(made)
    return _TWINS


def _uncounted(numba) -> dict[str, bool]:
    """The option that compiles a function without reference counting, where this numba has it
    (`_nrt`: numba's own option, not part of its public interface; without it, kernels count)."""
    from numba.core.options import DefaultOptions

    return {"_nrt": False} if hasattr(DefaultOptions, "_nrt") else {}


def _compile(
    numba, code: types.FunctionType, folder: Path | None, inline: bool = False, allocates: bool = False
) -> Any:
    """numba's twin of `code`, cached in `folder` (numba reads its cache folder from its config
    when a function is decorated, so the config is set for that moment only). Unless the kernel
    `allocates`, it is compiled without numba's reference counting of arrays (`_nrt`): a kernel
    only reads and writes the arrays it is given, and counting references to them at each call of
    an inline rule costs more than the rule."""
    options = {"nogil": True, "inline": "always" if inline else "never"}
    if not allocates:
        options.update(_uncounted(numba))
    if folder is None:
        return numba.njit(cache=False, **options)(code)
    before = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(folder)
    try:
        return numba.njit(cache=True, **options)(code)
    except RuntimeError:  # numba found no folder it may write in after all
        return numba.njit(cache=False, **options)(code)
    finally:
        numba.config.CACHE_DIR = before
