"""The ``neurorecon`` command: the package's stages for use outside Snakemake."""

from __future__ import annotations

import argparse
import copy
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from .inference.cli import add_infer_parser
from .inference.spike_csv import SpikeFileError
from .io.outputs import OutputError, check_output, folder_output
from .io.stores import (
    StoreError,
    check_store_output,
    check_table_output,
    provenance,
    read_dataset,
    write_dataset,
    write_table,
)
from .models import MODELS, ModelError, get_model
from .recordings.cli import add_recording_parser
from .recordings.recording import RecordingError
from .simulate import SimulationSpec
from .simulate.ensemble import check_size
from .simulate.to_store import mismatches, simulate_to_store
from .surrogates.base import CheckpointError


class UsageError(ValueError):
    """A command-line value that cannot be used; the message names the option."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _float(option: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"{option}: {text!r} is not finite")
    return value


def _parse_values(text: str) -> list[float]:
    values = [_float("--values", part) for part in text.split(",") if part.strip()]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise UsageError(f"--values: {', '.join(f'{v:g}' for v in repeated)} given more than once")
    return values


def _parse_sweep(text: str) -> tuple[float, float, int]:
    """``START:STOP:NUM`` -> (start, stop, num); the grid itself is built after the size check."""
    parts = text.split(":")
    if len(parts) != 3:
        raise UsageError(f"--sweep: expected START:STOP:NUM, got {text!r}")
    start, stop = _float("--sweep START", parts[0]), _float("--sweep STOP", parts[1])
    try:
        num = int(parts[2])
    except ValueError:
        raise UsageError(f"--sweep NUM: {parts[2]!r} is not a whole number") from None
    if num < 2:
        raise UsageError(f"--sweep NUM must be >= 2 (both ends are included), got {num}; "
                         "for one value use --values")
    if not start < stop:
        raise UsageError(f"--sweep: START ({start}) must be below STOP ({stop})")
    return start, stop, num


def _parse_overrides(items: Sequence[str]) -> dict[str, float]:
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param: expected KEY=VALUE, got {item!r}")
        overrides[key.strip()] = _float(f"--param {key}", value)
    return overrides


def _parse_protocol(text: str, model, transient: float | None, sample_dt: float | None):
    """``--protocol`` KEY=VALUE,... (keys of :class:`StepProtocol`; empty: every default) -> the
    protocol, checked against the model."""
    from .simulate.protocol import ProtocolError, StepProtocol, not_a_current, protocol_defaults

    refused = not_a_current(model)
    if refused:
        raise UsageError(f"--protocol: {refused}")
    settings: dict[str, float | int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--protocol: expected KEY=VALUE, got {item!r}")
        if key == "repeats":
            try:
                settings[key] = int(value)
            except ValueError:
                raise UsageError(f"--protocol repeats: {value!r} is not a whole number") from None
        else:
            settings[key] = _float(f"--protocol {key}", value)
    try:
        protocol = StepProtocol.from_dict(settings, protocol_defaults(model, transient))
        problems = protocol.problems(model, model.sample_dt if sample_dt is None else sample_dt)
    except ProtocolError as exc:
        raise UsageError(f"--protocol {exc.key}: {exc.problem}") from None
    for key, problem in problems:
        raise UsageError(f"--protocol {key}: {problem}")
    return protocol


def cmd_models(_args: argparse.Namespace) -> int:
    """Print every registered model with its sets, control parameter, range and units."""
    for model in MODELS.values():
        low, high = model.control.range
        print(f"{model.name}: {model.title}")
        print(f"  states     : {', '.join(f'{n} [{u}]' for n, u in zip(model.state_names, model.state_units))}")
        print(f"  observed   : {model.observed} [{model.observed_unit}]   time unit: {model.time_unit}")
        print(f"  control    : {model.control.name} [{model.control.unit}] in [{low:g}, {high:g}]"
              f" ({model.control.long_name})")
        sets = ", ".join(f"{s}{' (default)' if s == model.default_set else ''}" for s in model.parameter_sets)
        print(f"  sets       : {sets}")
        print(f"  defaults   : dt={model.dt:g}, sample_dt={model.sample_dt:g}, "
              f"transient={model.transient:g}, duration={model.duration:g} {model.time_unit}")
        print(f"  reference  : {model.reference}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Simulate an ensemble over control values and initial states into a trajectory store."""
    model = get_model(args.model)
    out = check_store_output(args.output, "trajectories", overwrite=args.overwrite)
    overrides = _parse_overrides(args.param)
    if model.control.name in overrides:
        raise UsageError(f"--param {model.control.name}: this is the control parameter; use --values/--sweep")
    if args.values is not None:
        values = _parse_values(args.values)
        n_values = len(values)
    else:
        start, stop, n_values = _parse_sweep(args.sweep)
        values = []
    spec = SimulationSpec(
        control_values=values,
        n_ic=args.ic,
        seed=args.seed,
        parameter_set=args.set,
        overrides=overrides,
        transient=args.transient,
        duration=args.duration,
        dt=args.dt,
        sample_dt=args.sample_dt,
    )
    protocol = None if args.protocol is None else _parse_protocol(args.protocol, model, args.transient,
                                                                    args.sample_dt)
    check_size(model, spec, n_values)  # before a sweep's grid is built
    if args.sweep is not None:
        spec = replace(spec, control_values=list(np.linspace(start, stop, n_values)))
    outside = [v for v in spec.control_values if not model.control.contains(v)]
    if outside:
        low, high = model.control.range
        _log(f"warning: {len(outside)} control value(s) outside the model's range [{low:g}, {high:g}]")
    simulate_to_store(model.name, spec, out, provenance(seed=args.seed, rule="cli:simulate"), progress=_log,
                      overwrite=args.overwrite, protocol=protocol)
    _log(f"wrote {out} ({n_values} values x {args.ic} initial states)")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    """Classify every (param, ic) of a trajectory store; print a summary, write store / CSV."""
    # imported here: the dynamics (and their numba functions) are not needed by the other commands
    from .analysis import TABLE_COLUMNS, classify_store, regime_table, summary_lines
    from .dynamics.regimes import check_trajectory_store

    inputs = [args.input]
    if args.output is not None and args.csv is not None and Path(args.output).resolve() == Path(args.csv).resolve():
        raise UsageError(f"-o and --csv name the same path {args.output!r}")
    if args.output is not None:
        check_store_output(args.output, "regimes", inputs=inputs, overwrite=args.overwrite)
    if args.csv is not None:
        check_table_output(args.csv, TABLE_COLUMNS, inputs=inputs, overwrite=args.overwrite)
    ds = read_dataset(args.input)
    try:
        check_trajectory_store(ds)
        regimes = classify_store(ds, lyapunov=not args.no_lyapunov, progress=_log)
    except ValueError as exc:
        raise StoreError(f"{args.input}: {exc}") from None
    for line in summary_lines(regimes):
        print(line)
    if args.output is not None:
        write_dataset(regimes, args.output, inputs=inputs, overwrite=args.overwrite)
        _log(f"wrote {args.output}")
    if args.csv is not None:
        write_table(regime_table(regimes), args.csv, inputs=inputs, overwrite=args.overwrite)
        _log(f"wrote {args.csv}")
    return 0


def _surrogate_for(config: dict, dataset: str, name: str | None) -> str:
    """The surrogate entry of ``config`` to train on ``dataset`` (``--surrogate`` or the only one)."""
    if name is not None:
        if name not in config.get("surrogates", {}):
            raise UsageError(f"--surrogate: {name!r} is not under 'surrogates' in the config; known: "
                             f"{', '.join(sorted(config.get('surrogates', {}))) or 'none'}")
        if dataset not in config["surrogates"][name]["datasets"]:
            raise UsageError(f"--surrogate {name}: its 'datasets' do not include {dataset!r}")
        return name
    names = [key for key, entry in config.get("surrogates", {}).items() if dataset in entry["datasets"]]
    if not names:
        raise UsageError(f"no entry under 'surrogates' in the config trains on dataset {dataset!r}")
    if len(names) > 1:
        raise UsageError(f"--surrogate: {len(names)} surrogate entries train on {dataset!r} ({', '.join(names)}); "
                         "name one")
    return names[0]


TRAINING_OUTPUT = folder_output(
    "training output folder", markers=("surrogate.json", "training_check.json", "latent.json", "vae", "map"))
"""A run folder: new, empty, or one that training wrote into (vae_map writes its VAEs first)."""


def _with_options(raw: dict, name: str, args: argparse.Namespace) -> dict:
    """The config with ``--seed`` and ``--device`` written into surrogate entry ``name``, validated
    by the same code as the config file, so both are checked before any work."""
    from .config import ConfigError, validate_config

    changed = copy.deepcopy(raw)
    entry = changed["surrogates"][name]
    options = []
    if args.seed is not None:
        entry["seeds"], options = [args.seed], [*options, f"--seed {args.seed}"]
    if args.device is not None:
        entry["device"], options = args.device, [*options, f"--device {args.device}"]
    try:
        return validate_config(changed)
    except ConfigError as exc:
        raise UsageError(f"{' / '.join(options)}: {exc}") from None


def cmd_train(args: argparse.Namespace) -> int:
    """Train a surrogate of a config's dataset, any family: the workflow's run folder, check included."""
    from .config import (
        ConfigError,
        control_values,
        is_recording,
        load_yaml,
        simulation_spec,
        training_protocol,
        validate_config,
    )
    from .surrogates.registry import get_family
    from .surrogates.run import train_run
    from .surrogates.settings import CheckSettings

    try:
        raw = load_yaml(args.config)
        config = validate_config(raw)
    except (ConfigError, OSError) as exc:
        raise UsageError(f"{args.config}: {exc}") from None
    if args.dataset not in config["datasets"]:
        raise UsageError(f"--dataset: {args.dataset!r} is not in {args.config}; datasets: "
                         f"{', '.join(sorted(config['datasets']))}")
    if is_recording(config["datasets"][args.dataset]):
        raise UsageError(f"--dataset: {args.dataset!r} is a recording (kind recording); `neurorecon train` trains on "
                         "simulated datasets. Train it through the workflow, which imports the recording first: "
                         f"snakemake --configfile {args.config} results/{args.dataset}/<surrogate>/seed<k>/steps.tsv")
    name = _surrogate_for(config, args.dataset, args.surrogate)
    config = _with_options(raw, name, args)
    entry = config["surrogates"][name]
    seed, device = entry["seeds"][0], entry["device"]
    dataset = config["datasets"][args.dataset]
    spec = simulation_spec(dataset, control_values(dataset, "train"), seed=config["seed"])
    protocol = training_protocol(dataset)
    train_store = Path(args.train_store or f"results/{args.dataset}/truth/train.zarr")
    out = Path(args.output or f"results/{args.dataset}/{name}/seed{seed}")
    try:
        check_output(out, TRAINING_OUTPUT, inputs=[train_store])
    except OutputError as exc:
        raise UsageError(f"-o: {exc}") from None
    if train_store.exists():
        problems = mismatches(read_dataset(train_store, kind="trajectories"), dataset["model"], spec, protocol)
        if problems:
            raise UsageError(f"training store {str(train_store)!r} does not match dataset {args.dataset!r} of "
                             f"{args.config}: {'; '.join(problems)}. Remove it to have it simulated again, "
                             "or pass a matching --train-store")
    else:
        _log(f"{train_store} does not exist: simulating the training values of {args.dataset!r}")
        simulate_to_store(dataset["model"], spec, train_store, provenance(seed=config["seed"], rule="cli:train"),
                          progress=_log, protocol=protocol)
    settings = get_family(entry["kind"]).settings_type.from_dict(entry["settings"], where=f"surrogates.{name}.settings")
    try:
        run = train_run(entry["kind"], train_store, settings, CheckSettings.from_dict(entry["check"]), seed, device,
                        out, progress=_log)
    except ValueError as exc:  # bad data for these settings (embedding too long, wrong checkpoint, ...)
        raise UsageError(f"training on {train_store}: {exc}") from None
    _log(f"wrote {run.checkpoint.with_suffix('.pt')}; free-running check at the training values "
         f"{'passed' if run.check.passed else 'did not pass'} (details: {run.check_path})")
    return 0


OVERWRITE_HELP = ("replace an existing file or store of another kind at an output path (an output "
                  "of the same kind is always replaced; a folder that is not a neurorecon output never is)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurorecon", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_models = sub.add_parser("models", help="list models, parameter sets, control parameters")
    p_models.set_defaults(func=cmd_models)

    p_sim = sub.add_parser("simulate", help="simulate a model over control values into a zarr store")
    p_sim.add_argument("model", help="model name (see `neurorecon models`)")
    p_sim.add_argument("--set", default=None, help="parameter set (default: the model's)")
    grid = p_sim.add_mutually_exclusive_group(required=True)
    grid.add_argument("--values", help="comma-separated control values, e.g. -40,-38")
    grid.add_argument("--sweep", help="evenly spaced START:STOP:NUM, ends included")
    p_sim.add_argument("--ic", type=int, default=1, help="initial states per value (default 1)")
    for name in ("duration", "transient", "dt", "sample-dt"):
        p_sim.add_argument(f"--{name}", type=float, default=None,
                           help=f"{name.replace('-', ' ')} in model time units (default: the model's)")
    p_sim.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="override a model parameter (repeatable)")
    p_sim.add_argument("--protocol", nargs="?", const="", default=None, metavar="KEY=VALUE,...",
                       help="current-clamp step protocol (models whose control is an injected current): the "
                            "values are step amplitudes; keys holding, step, gap, repeats, settle as in the "
                            "config's train.protocol, each optional (--protocol alone takes every default); "
                            "--duration is then not used, --transient is the default settle time")
    p_sim.add_argument("--seed", type=int, default=0, help="seed of the initial states (default 0)")
    p_sim.add_argument("-o", "--output", required=True, help="output .zarr path")
    p_sim.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    p_sim.set_defaults(func=cmd_simulate)

    p_cls = sub.add_parser("classify", help="classify the regimes of a trajectory store")
    p_cls.add_argument("input", help="trajectory store (.zarr) from `simulate` or a surrogate sweep")
    p_cls.add_argument("-o", "--output", default=None, help="regime store to write (.zarr)")
    p_cls.add_argument("--csv", default=None, help="tidy table to write, one row per (param, ic)")
    p_cls.add_argument("--no-lyapunov", action="store_true",
                       help="skip Lyapunov exponents (then nothing is classified chaotic)")
    p_cls.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    p_cls.set_defaults(func=cmd_classify)

    p_train = sub.add_parser("train", help="train a config's surrogate on one dataset (all stages)")
    p_train.add_argument("config", help="config file (YAML), as for snakemake --configfile")
    p_train.add_argument("--dataset", required=True, help="dataset name under 'datasets'")
    p_train.add_argument("--surrogate", default=None,
                         help="entry under 'surrogates' (default: the only one that trains on the dataset)")
    p_train.add_argument("--seed", type=int, default=None, help="training seed (default: the entry's first)")
    p_train.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:1 ... (default: the entry's)")
    p_train.add_argument("--train-store", default=None,
                         help="training store (default results/DATASET/truth/train.zarr; simulated if missing)")
    p_train.add_argument("-o", "--output", default=None,
                         help="output folder: new, empty or an earlier training output "
                              "(default results/DATASET/SURROGATE/seedSEED)")
    p_train.set_defaults(func=cmd_train)

    add_recording_parser(sub)
    add_infer_parser(sub)
    return parser


def _attach_negative_values(argv: Sequence[str]) -> list[str]:
    """Turn ``--values -40,-38`` into ``--values=-40,-38`` so argparse does not read an option."""
    out: list[str] = []
    for item in argv:
        if out and out[-1] in ("--values", "--sweep") and item.startswith("-"):
            out[-1] = f"{out[-1]}={item}"
        else:
            out.append(item)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_attach_negative_values(sys.argv[1:] if argv is None else argv))
    try:
        return args.func(args)
    except (ModelError, StoreError, OutputError, UsageError, RecordingError, SpikeFileError, CheckpointError) as exc:
        print(f"neurorecon {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neurorecon {args.command}: interrupted; no output was left half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
