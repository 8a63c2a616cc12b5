"""What every `tft` command shares: the group, one-line errors and Ctrl-C, shared options, progress."""

from __future__ import annotations

import functools
import gc
import importlib
import os
import stat
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path

import click

from sim import __version__
from sim.errors import SimError, one_line


class InputError(click.ClickException):
    """Bad input: one line on stderr, exit status 2, no traceback."""

    exit_code = 2


class Interrupted(click.ClickException):
    """Ctrl-C: one line saying what was kept, exit status 130 (128 + SIGINT), as shells expect."""

    exit_code = 130

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


NOTHING_WRITTEN = "interrupted: nothing was written"
INPUT_LIMIT = 256 * 2**20  # bytes: far above any scenario, sweep file or overlay


class InputFile(click.Path):
    """A file the user names: not a folder and, if it exists, a regular file of at most
    INPUT_LIMIT bytes (a device such as /dev/zero, or a pipe, would be read for ever). A missing
    file is left to the library, which says so in the format of input errors."""

    def __init__(self):
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        try:
            info = os.stat(path)
        except OSError:
            return path
        if not stat.S_ISREG(info.st_mode):
            self.fail(f"'{path}' is not a regular file (a device or a pipe?)", param, ctx)
        if info.st_size > INPUT_LIMIT:
            self.fail(f"'{path}' is {info.st_size:,} bytes (allowed: at most {INPUT_LIMIT:,})", param, ctx)
        return path


_starting = False  # `tft` is starting with the garbage collector off (see quiet_start)


def quiet_start() -> None:
    """Turn the cyclic garbage collector off while `tft` starts. Importing the library and what a
    command uses makes a few hundred thousand objects that live until the process ends; each pass
    of the collector over them frees nothing, and they cost a replay about a tenth of its time.
    `settled` turns it back on before the command works.

    Also: pydantic looks for plugins of its own among every installed package's entry points when
    the scenario's models are built, a scan that costs a replay about 20 ms; `tft` uses none, so
    it tells pydantic so, unless `PYDANTIC_DISABLE_PLUGINS` is already set."""
    global _starting
    gc.disable()
    _starting = True
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def settled() -> None:
    """The command has imported what it uses: set every object made so far aside for good (they
    live until the end; neither the collector's passes nor its last one at exit need to walk them)
    and collect cycles again from here on. Does nothing unless `quiet_start` ran: callers in the
    same process (tests, notebooks) keep their collector as it is."""
    global _starting
    if _starting:
        _starting = False
        gc.freeze()
        gc.enable()


def library_errors(command=None, *, interrupted: str = NOTHING_WRITTEN, imports: tuple[str, ...] = ()):
    """Turn library errors into InputError, a full or read-only disk too, and Ctrl-C into one line
    and exit status 130; with --verbose, let tracebacks of real bugs through. `imports`: modules
    the command imports when it runs (not when `tft --help` lists it), imported before the start-up
    is `settled`."""
    if command is None:
        return functools.partial(library_errors, interrupted=interrupted, imports=imports)

    @functools.wraps(command)
    def wrapper(*args, verbose: bool = False, **kwargs):
        from sim.files.safe import DISK_ERRORS, disk_error

        try:
            for module in imports:
                importlib.import_module(module)
            settled()
            return command(*args, **kwargs)
        except SimError as exc:
            raise InputError(one_line(str(exc))) from None
        except KeyboardInterrupt:
            raise Interrupted(interrupted) from None
        except (click.ClickException, click.Abort):
            raise
        except OSError as exc:
            if exc.errno in DISK_ERRORS and exc.filename and not verbose:
                raise InputError(str(disk_error(exc.filename, exc, "cannot use"))) from None
            if verbose:
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run again with --verbose for the traceback)"
            ) from None
        except Exception as exc:
            if verbose:
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run again with --verbose for the traceback)"
            ) from None

    return click.option("--verbose", "-v", is_flag=True, help="Show more detail, including tracebacks.")(wrapper)


results_option = click.option(
    "--results",
    "results_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder under which results are written: <scenario>/<run-id>/ for runs, <sweep>/<id>/ for sweeps.",
)


class LazyCommands(MutableMapping):
    """The group's commands, each imported from its module (`modules`: command name -> module)
    when it is asked for, so a command imports only what it uses; listing them (as `tft --help`
    does) imports them all. Importing a module registers its commands here."""

    def __init__(self, modules: Mapping[str, str]):
        self.modules = dict(modules)
        self.loaded: dict[str, click.Command] = {}

    def _load(self, names) -> None:
        for module in dict.fromkeys(self.modules[name] for name in names if name not in self.loaded):
            importlib.import_module(module)

    def __getitem__(self, name: str) -> click.Command:
        if name in self.modules:
            self._load([name])
        return self.loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        self._load(self.modules)
        return iter(self.loaded)

    def __len__(self) -> int:
        self._load(self.modules)
        return len(self.loaded)


class OneLineErrors(click.Group):
    """Every error is one line on stderr (usage errors too, without the usage block)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            click.echo(f"Error: {one_line(exc.format_message())}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            if type(exc).show is click.ClickException.show:
                click.echo(f"Error: {one_line(exc.format_message())}", err=True)
            else:
                exc.show()
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            if isinstance(exc.__context__, KeyboardInterrupt):  # Ctrl-C outside a command's own handling
                click.echo("interrupted", err=True)
                sys.exit(130)
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


params_option = click.option(
    "--params",
    type=InputFile(),
    default=None,
    metavar="FILE",
    help="A parameter overlay ([behaviour.XX] tables, e.g. the params.toml of tft calibrate).",
)


def posterior_options(command):
    """`--posterior FIT` and `--draw`: behaviour drawn from a posterior of tft infer."""
    command = click.option(
        "--draw",
        default=None,
        metavar="all|mean|N",
        help="With --posterior: all = each run draws its own values by weight (default); mean = the posterior "
        "mean of the most probable pair; N = particle N, for every run.",
    )(command)
    return click.option(
        "--posterior",
        type=click.Path(path_type=Path),
        default=None,
        metavar="FIT",
        help="Behaviour values from a posterior: the folder tft infer wrote, or its posterior.csv.",
    )(command)


MAX_WORKERS = 256  # local worker processes; more than the cores of this machine only gets a warning


def check_workers(ctx, param, value: int | None) -> int | None:
    cores = os.cpu_count() or 1
    if value is not None and value > cores:
        click.echo(
            f"warning: --workers {value} is more than the {cores} cores of this machine; the workers will share them",
            err=True,
        )
    return value


def workers_option(default: int | None):
    return click.option(
        "--workers",
        type=click.IntRange(min=1, max=MAX_WORKERS),
        default=default,
        show_default=default is not None,
        callback=check_workers,
        help=f"Local worker processes, at most {MAX_WORKERS} (default: all cores; 1 runs in this process).",
    )


scheduler_option = click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="A Dask scheduler, e.g. tcp://127.0.0.1:8786, instead of local processes.",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")


def seed_option(default_from: str):
    return click.option(
        "--seed",
        type=click.IntRange(min=0, max=2**63 - 1),  # as a seed in a scenario or sweep file
        default=None,
        help=f"Root seed (default: {default_from}).",
    )


policy_option = click.option(
    "--policy",
    "policies",
    multiple=True,
    callback=lambda ctx, param, values: side_policy(ctx, param, values),
    metavar="SIDE=POLICY",
    help="A side's policy, e.g. US=mirror or RU=escalate:k=1.5 (see `tft policies`). Repeatable.",
)


class ProgressBar:
    """A tqdm bar fed with (done, total) calls; silent with --quiet or when not on a terminal."""

    def __init__(self, quiet: bool, unit: str):
        self.quiet = quiet
        self.unit = unit
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit=self.unit, dynamic_ncols=True, disable=None)
        else:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tft")
def cli() -> None:
    """Tit-for-tat diplomatic retaliation: replay and simulate two states' measures against each
    other's embassies, consulates and property.

    \b
    Example:
      tft run scenarios/us_russia_2016_2022.toml
    """


def side_policy(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    chosen = {}
    for value in values:
        side, sep, spec = value.partition("=")
        if not sep or not side or not spec:
            raise click.BadParameter(f"expected SIDE=POLICY such as US=mirror or RU=escalate:k=1.5, found '{value}'")
        if side in chosen:
            raise click.BadParameter(f"{side} is given two policies ('{chosen[side]}' and '{spec}'); give one")
        chosen[side] = spec
    return chosen
