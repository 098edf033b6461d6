"""Study configuration: schema validation with defaults, and checks the schema cannot express.

Errors name the offending key as a dotted path (``datasets.srk.heldout.num``) and say what is wrong.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from jsonschema import Draft202012Validator, validators

from ..models import ModelError, get_model
from ..simulate.ensemble import SimulationSpec, resolve_times
from ..simulate.protocol import ProtocolError, StepProtocol, not_a_current, protocol_defaults
from ..surrogates.registry import get_family
from ..surrogates.settings import CheckSettings, SweepSettings
from .errors import ConfigError
from .training_values import expand_training_values

if TYPE_CHECKING:
    from ..simulate.population import DicPopulation

DEFAULT_SCHEMA = Path(__file__).with_name("schema.yaml")
"""The JSON schema (YAML) of a study configuration, shipped with the package."""


def _with_defaults(validator_class):
    """A validator class that fills ``default`` values into the instance while validating."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


def _whole_number(_checker, instance) -> bool:
    """JSON-schema "integer" without floats: ``4.0`` in a YAML file is refused where a count, a
    seed or a size is expected (it would become a float path component or a TypeError in a job)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


_FillingValidator = validators.extend(
    _with_defaults(Draft202012Validator),
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _whole_number),
)


def _key(path) -> str:
    parts = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "<top level>"


class _StrictLoader(yaml.SafeLoader):
    """YAML loader that refuses a key repeated within one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file; syntax errors and duplicate keys become :class:`ConfigError`
    naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror}") from exc
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold a mapping at the top level")
    return data


def validate_config(config: Mapping[str, Any], schema_path: str | Path = DEFAULT_SCHEMA) -> dict[str, Any]:
    """Validate ``config`` against the schema and the model registry; return it with defaults.

    Raises:
        ConfigError: the first problem found, naming its key.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    filled = copy.deepcopy(dict(config))
    errors = sorted(_FillingValidator(schema).iter_errors(filled), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        raise ConfigError(f"config key {_key(error.absolute_path)}: {error.message}")
    expand_training_values(filled)
    for name, dataset in filled["datasets"].items():
        if is_recording(dataset):
            _check_recording_dataset(name, dataset)
        elif is_population(dataset):
            _check_population_dataset(name, dataset, filled["seed"])
        else:
            _check_dataset(name, dataset)
    for name, surrogate in filled.get("surrogates", {}).items():
        _check_surrogate(name, surrogate, filled["datasets"])
    if "inference" in filled:
        filled["inference"] = _check_inference(filled["inference"])
    return filled


def _check_inference(block: Mapping[str, Any]) -> dict[str, Any]:
    """The ``inference`` block as complete settings (every default filled in, a plain dict): the
    keys and values (:class:`~neurorecon.inference.settings.InferenceSettings`), the model (declared
    channels with a fixed DIC threshold), its parameter set, and that the drawn and free
    conductances are exactly the model's maximal conductances, the leak not free."""
    from ..inference.settings import InferenceSettings

    try:
        settings = InferenceSettings.from_dict(block, where="inference")
    except ValueError as exc:
        raise ConfigError(f"config key {exc}") from None
    from ..dynamics.dic import conductance_names, leak_index  # imports torch: inference only

    sampling = settings.sampling
    where = "inference.sampling"
    model, channels = _compensation_model(sampling.model, where)
    try:
        model.parameters(sampling.parameter_set)
    except ModelError as exc:
        raise ConfigError(f"config key {where}.parameter_set: {exc}") from None
    names = conductance_names(model)
    for index, free in enumerate(sampling.free):
        if free not in names:
            raise ConfigError(f"config key {where}.free[{index}]: {free!r} is not a maximal conductance of model "
                              f"{model.name!r} ({', '.join(names)})")
        if free == names[leak_index(channels)]:
            raise ConfigError(f"config key {where}.free[{index}]: the leak conductance {free!r} normalises the DICs; "
                              "it cannot be solved for")
    drawn = {r.name for r in sampling.ranges}
    for index, entry in enumerate(sampling.ranges):
        if entry.name not in names:
            raise ConfigError(f"config key {where}.ranges[{index}].name: {entry.name!r} is not a maximal conductance "
                              f"of model {model.name!r}")
    missing = [name for name in names if name not in drawn and name not in sampling.free]
    if missing:
        raise ConfigError(f"config key {where}.ranges: no range for {', '.join(missing)}")
    if sampling.duration < model.min_record:
        raise ConfigError(f"config key {where}.duration: {sampling.duration:g} {model.time_label} is too short to "
                          f"classify regimes of model {model.name!r}; it needs at least {model.min_record:g}")
    return settings.to_dict()


def _check_surrogate(name: str, surrogate: dict[str, Any], datasets: Mapping[str, Any]) -> None:
    """Check kind and datasets; replace ``settings``, ``sweep`` and ``check`` by complete settings
    (the family's settings class, :class:`SweepSettings`, :class:`CheckSettings`)."""
    where = f"surrogates.{name}"
    try:
        family = get_family(surrogate["kind"])
    except ValueError as exc:
        raise ConfigError(f"config key {where}.kind: {exc}") from None
    for index, dataset in enumerate(surrogate["datasets"]):
        if dataset not in datasets:
            raise ConfigError(
                f"config key {where}.datasets[{index}]: unknown dataset {dataset!r}; "
                f"datasets: {', '.join(sorted(datasets))}"
            )
        if is_population(datasets[dataset]):
            raise ConfigError(f"config key {where}.datasets[{index}]: dataset {dataset!r} is a population "
                              "(kind population): no surrogate family trains on populations")
    try:
        settings = family.settings_type.from_dict(surrogate["settings"], where=f"{where}.settings")
        surrogate["sweep"] = SweepSettings.from_dict(surrogate["sweep"], where=f"{where}.sweep").to_dict()
        surrogate["check"] = CheckSettings.from_dict(surrogate["check"], where=f"{where}.check").to_dict()
    except ValueError as exc:
        raise ConfigError(f"config key {exc}") from None
    for key, problem in settings.problems_with_sweep(SweepSettings.from_dict(surrogate["sweep"])):
        raise ConfigError(f"config key {where}.sweep.{key}: {problem}")
    for index, dataset in enumerate(surrogate["datasets"]):
        if is_recording(datasets[dataset]):
            if not family.recordings:
                raise ConfigError(f"config key {where}.datasets[{index}]: dataset {dataset!r} is a recording and family "
                                  f"{family.name!r} cannot train on recorded sweeps ({family.recordings_note})")
            for key, problem in settings.problems_with_recording():
                raise ConfigError(f"config key {where}.{key}: {problem} (dataset {dataset!r})")
            continue
        for key, problem in settings.problems_with_model(get_model(datasets[dataset]["model"])):
            key = f"datasets[{index}]" if key == "datasets" else key
            raise ConfigError(f"config key {where}.{key}: {problem} (dataset {dataset!r})")
        for key, problem in settings.problems_with_data(recorded_samples(datasets[dataset])):
            raise ConfigError(f"config key {where}.settings.{key}: {problem} (dataset {dataset!r})")
        _check_sweep_length(f"{where}.sweep.n_steps", surrogate["sweep"]["n_steps"], dataset, datasets[dataset])
    surrogate["settings"] = settings.to_dict()


def _check_sweep_length(key: str, n_steps: int, name: str, dataset: Mapping[str, Any]) -> None:
    """A sweep records ``n_steps`` samples per trajectory, which the truth's classifier must be able to
    classify: at least the model's ``min_record`` at the dataset's sampling interval (else every
    sweep would be trained for, then refused by ``classify_surrogate``)."""
    model = get_model(dataset["model"])
    sample_dt = resolve_times(model, simulation_spec(dataset, []))[1]
    needed = math.ceil(model.min_record / sample_dt * (1.0 - 1e-9))
    if n_steps < needed:
        raise ConfigError(
            f"config key {key}: {n_steps} samples of {sample_dt:g} {model.time_label} record "
            f"{n_steps * sample_dt:g} {model.time_label}, shorter than the {model.min_record:g} {model.time_label} "
            f"the classifier needs for a regime of model {model.name!r} (dataset {name!r}); use at least {needed}")


RECORDING_KIND = "recording"
"""``kind`` of a dataset that is a recording."""


def is_recording(dataset: Mapping[str, Any]) -> bool:
    """Whether a dataset's settings describe a recording (``kind: recording``) rather than a model."""
    return dataset.get("kind") == RECORDING_KIND


POPULATION_KIND = "population"
"""``kind`` of a dataset of degenerate populations (control g_s, twins on the ``ic`` axis)."""


def is_population(dataset: Mapping[str, Any]) -> bool:
    """Whether a dataset's settings describe degenerate populations (``kind: population``)."""
    return dataset.get("kind") == POPULATION_KIND


def dic_population(dataset: Mapping[str, Any]) -> DicPopulation:
    """How a population dataset draws its twins: the slow DIC g_s is the control, the ultraslow one
    fixed at ``population.g_u`` (units of g_L); numbers as floats, so its JSON does not depend on
    how the YAML file wrote them."""
    from ..simulate.population import DicPopulation  # imports torch (DICs): only for populations

    settings = dataset["population"]
    return DicPopulation(
        control="slow",
        fixed={"ultraslow": float(settings["g_u"])},
        free=tuple(settings["free"]),
        ranges={name: (float(low), float(high)) for name, (low, high) in sorted(settings["ranges"].items())},
        draws=int(settings["draws"]),
    )


def _compensation_model(name: str, where: str):
    """The model ``name`` (config key ``{where}.model``) and its declared channels, for drawing
    conductance sets by compensation: it must declare its channels and a fixed DIC threshold."""
    from ..dynamics.dic import declared_channels  # imports torch: populations and inference only

    try:
        model = get_model(name)
        channels, scales = declared_channels(model)
    except ModelError as exc:
        raise ConfigError(f"config key {where}.model: {exc}") from None
    if scales.threshold is None:
        raise ConfigError(f"config key {where}.model: model {model.name!r} has no fixed DIC threshold voltage; "
                          "compensation needs one")
    return model, channels


def _check_population_dataset(name: str, dataset: dict[str, Any], seed: int) -> None:
    """Model with declared channels and a fixed threshold, conductances to solve for and to draw,
    the g_s grid (not checked against the model's control range: g_s is no model parameter), the
    simulation times, and that both ends of the grid have ``simulation.n_ic`` twins (drawn from the
    study's ``seed`` as the simulation draws them)."""
    from ..dynamics.dic import conductance_names, leak_index  # imports torch: populations only
    from ..simulate.population import twin_conductances

    where = f"datasets.{name}"
    model, channels = _compensation_model(dataset["model"], where)
    try:
        leak = conductance_names(model)[leak_index(channels)]
    except ModelError as exc:
        raise ConfigError(f"config key {where}.model: {exc}") from None
    try:
        parameters = model.parameters(dataset["parameter_set"], dataset["parameters"])
    except ModelError as exc:
        key = "parameter_set" if "parameter set" in str(exc) else "parameters"
        raise ConfigError(f"config key {where}.{key}: {exc}") from None
    names = conductance_names(model)
    for key in dataset["parameters"]:
        if key in names:
            raise ConfigError(f"config key {where}.parameters.{key}: a maximal conductance is drawn per twin; "
                              "set its range under population.ranges instead")
    settings = dataset["population"]
    for index, free in enumerate(settings["free"]):
        if free not in names:
            raise ConfigError(f"config key {where}.population.free[{index}]: {free!r} is not a maximal "
                              f"conductance of model {model.name!r} ({', '.join(names)})")
        if free == leak:
            raise ConfigError(f"config key {where}.population.free[{index}]: the leak conductance {leak!r} "
                              "normalises the DICs; it cannot be solved for")
    drawn = [name for name in names if name not in settings["free"]]
    for key, (low, high) in settings["ranges"].items():
        if key not in drawn:
            raise ConfigError(f"config key {where}.population.ranges.{key}: not a drawn conductance "
                              f"(drawn: {', '.join(drawn)})")
        if not low <= high:
            raise ConfigError(f"config key {where}.population.ranges.{key}: low ({low}) must not exceed high ({high})")
    missing = [name for name in drawn if name not in settings["ranges"]]
    if missing:
        raise ConfigError(f"config key {where}.population.ranges: no range for {', '.join(missing)}")
    heldout = dataset["heldout"]
    if not heldout["start"] < heldout["stop"]:
        raise ConfigError(
            f"config key {where}.heldout: start ({heldout['start']}) must be below stop ({heldout['stop']})"
        )
    _check_times(where, model, dataset)
    for key in ("start", "stop"):
        try:
            twin_conductances(model, dic_population(dataset), [heldout[key]], dataset["simulation"]["n_ic"],
                              seed, parameters)
        except ModelError as exc:
            raise ConfigError(f"config key {where}.heldout.{key}: {exc}") from None


def _check_times(where: str, model, dataset: Mapping[str, Any]) -> None:
    """The dataset's simulation times resolve and record at least the model's ``min_record``."""
    try:
        _, _, _, duration, _ = resolve_times(model, simulation_spec(dataset, []))
    except ModelError as exc:
        raise ConfigError(f"config key {where}.simulation: {exc}") from None
    if duration < model.min_record:
        raise ConfigError(
            f"config key {where}.simulation.duration: {duration:g} {model.time_label} is too short to "
            f"classify regimes of model {model.name!r}; it needs at least {model.min_record:g} {model.time_label}"
        )


def _check_recording_dataset(name: str, dataset: dict[str, Any]) -> None:
    """Open the recording, check its training amplitudes, and replace ``source`` by the file's path."""
    from ..recordings.read import read_recording  # the readers load pyabf / pynwb: only for recordings
    from ..recordings.recording import RecordingError
    from ..recordings.resources import resolve_recording
    from ..recordings.split import split_sweeps

    where = f"datasets.{name}"
    values = dataset["train"]["values"]
    if len(set(values)) != len(values):
        raise ConfigError(f"config key {where}.train.values: values repeat")
    path = resolve_recording(dataset["source"])
    if not path.is_file():
        raise ConfigError(f"config key {where}.source: no file {dataset['source']!r} (nor a shipped recording of that name)")
    try:
        recording = read_recording(path, dataset["channel"])
    except RecordingError as exc:
        key = "channel" if dataset["channel"] is not None and "channel" in str(exc) else "source"
        raise ConfigError(f"config key {where}.{key}: {exc}") from None
    try:
        split_sweeps(recording, values)
    except RecordingError as exc:
        raise ConfigError(f"config key {where}.train.values: {exc}") from None
    dataset["source"] = str(path)


def _check_dataset(name: str, dataset: dict[str, Any]) -> None:
    where = f"datasets.{name}"
    try:
        model = get_model(dataset["model"])
    except ModelError as exc:
        raise ConfigError(f"config key {where}.model: {exc}") from None
    try:
        model.parameters(dataset["parameter_set"], dataset["parameters"])
    except ModelError as exc:
        key = "parameter_set" if "parameter set" in str(exc) else "parameters"
        raise ConfigError(f"config key {where}.{key}: {exc}") from None
    if dataset["parameters"].get(model.control.name) is not None:
        raise ConfigError(
            f"config key {where}.parameters.{model.control.name}: this is the control parameter; "
            "set its values under train.values and heldout instead"
        )
    low, high = model.control.range
    control = f"{model.control.name} [{model.control.unit}]"
    for index, value in enumerate(dataset["train"]["values"]):
        if not math.isfinite(value) or not model.control.contains(value):
            raise ConfigError(
                f"config key {where}.train.values[{index}]: {value} is outside the allowed range "
                f"[{low}, {high}] of {control}"
            )
    if len(set(dataset["train"]["values"])) != len(dataset["train"]["values"]):
        raise ConfigError(f"config key {where}.train.values: values repeat")
    heldout = dataset["heldout"]
    if not heldout["start"] < heldout["stop"]:
        raise ConfigError(
            f"config key {where}.heldout: start ({heldout['start']}) must be below stop ({heldout['stop']})"
        )
    for key in ("start", "stop"):
        if not model.control.contains(heldout[key]):
            raise ConfigError(
                f"config key {where}.heldout.{key}: {heldout[key]} is outside the allowed range "
                f"[{low}, {high}] of {control}"
            )
    _check_times(where, model, dataset)
    if dataset["train"].get("protocol") is not None:
        dataset["train"]["protocol"] = _complete_protocol(f"{where}.train.protocol", model, dataset)


def _complete_protocol(where: str, model, dataset: Mapping[str, Any]) -> dict[str, Any]:
    """The dataset's step protocol with every default filled in (as a plain dict), after checking
    that it suits the model; errors name the key under ``where``."""
    refused = not_a_current(model)
    if refused:
        raise ConfigError(f"config key {where}: {refused}")
    _, sample_dt, transient, _, _ = resolve_times(model, simulation_spec(dataset, []))
    try:
        protocol = StepProtocol.from_dict(dataset["train"]["protocol"], protocol_defaults(model, transient))
    except ProtocolError as exc:
        raise ConfigError(f"config key {where}.{exc.key}: {exc.problem}") from None
    for key, problem in protocol.problems(model, sample_dt):
        raise ConfigError(f"config key {where}{'.' + key if key else ''}: {problem}")
    return protocol.to_dict()


def training_protocol(dataset: Mapping[str, Any]) -> StepProtocol | None:
    """The step protocol of a validated dataset's training values, None for constant control."""
    settings = dataset["train"].get("protocol")
    return None if settings is None else StepProtocol.from_dict(settings)


def recorded_samples(dataset: Mapping[str, Any]) -> int:
    """Samples per constant-control training series: per trajectory that the dataset's simulation
    settings record (after the transient), or, with a step protocol, per step epoch (the series a
    family that needs constant control trains on: :func:`neurorecon.simulate.protocol.step_epochs`)."""
    model = get_model(dataset["model"])
    _, sample_dt, _, duration, _ = resolve_times(model, simulation_spec(dataset, []))
    protocol = training_protocol(dataset)
    if protocol is not None:
        return protocol.layout(sample_dt).n_step
    return round(duration / sample_dt)


def control_values(dataset: Mapping[str, Any], split: str) -> list[float]:
    """Control values of a dataset split ("train" or "heldout"), in config order / grid order."""
    if split == "train":
        return [float(v) for v in dataset["train"]["values"]]
    if split == "heldout":
        grid = dataset["heldout"]
        return [float(v) for v in np.linspace(grid["start"], grid["stop"], grid["num"])]
    raise ConfigError(f"unknown split {split!r}; expected 'train' or 'heldout'")


def chunks(dataset: Mapping[str, Any], split: str) -> list[list[float]]:
    """Split the control values of ``split`` into consecutive chunks, one simulation job each."""
    values = control_values(dataset, split)
    size = dataset["simulation"]["values_per_chunk"]
    return [values[i : i + size] for i in range(0, len(values), size)]


def simulation_spec(dataset: Mapping[str, Any], values, seed: int = 0) -> SimulationSpec:
    """The :class:`SimulationSpec` of a dataset's settings for the given control values.

    ``dataset`` needs the keys ``parameter_set``, ``parameters`` and ``simulation``.
    """
    sim = dataset["simulation"]
    return SimulationSpec(
        control_values=list(values),
        n_ic=sim["n_ic"],
        seed=seed,
        parameter_set=dataset["parameter_set"],
        overrides=dict(dataset["parameters"]),
        transient=sim["transient"],
        duration=sim["duration"],
        dt=sim["dt"],
        sample_dt=sim["sample_dt"],
        integrator=sim["integrator"],
        rtol=sim["rtol"],
        atol=sim["atol"],
    )


def config_hash(obj: Any) -> str:
    """Short stable hash of JSON-serialisable settings, for provenance."""
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
