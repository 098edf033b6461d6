"""Property-based checks of the input boundary: generated invalid command lines and configs must
give exit 2 (or ConfigError) with a message and no traceback, and write or remove nothing.

Example counts are bounded so the suite stays fast; every failing example hypothesis finds is a bug
of the command line or the validator, not of the test.
"""

import contextlib
import copy
import io
import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurorecon.cli import main
from neurorecon.config import ConfigError, load_yaml, validate_config
from neurorecon.models import MODELS
from neurorecon.models.base import MAX_SEED

ROOT = Path(__file__).resolve().parents[1]
TINY = load_yaml(ROOT / "config" / "tiny_surrogate.yaml")
BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _not_a_number(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return True


# Tokens an option that wants a number must refuse: non-numbers, non-finite numbers.
not_numbers = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                      min_size=1, max_size=8).filter(_not_a_number).filter(lambda t: not t.startswith("-"))
non_finite = st.sampled_from(["nan", "inf", "-inf", "NaN", "1e999"])
non_positive = st.floats(max_value=0.0, allow_nan=False, allow_infinity=False).map(repr)
negative = st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False).map(repr)


def _option(name: str, values) -> st.SearchStrategy[list[str]]:
    return values.map(lambda value: [f"{name}={value}"])


bad_simulate_options = st.one_of(
    _option("--duration", st.one_of(non_positive, non_finite, not_numbers)),
    _option("--dt", st.one_of(non_positive, non_finite, not_numbers)),
    _option("--sample-dt", st.one_of(non_positive, non_finite, not_numbers)),
    _option("--transient", st.one_of(negative, non_finite, not_numbers)),
    _option("--seed", st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_SEED + 1)).map(str)),
    _option("--ic", st.integers(max_value=0).map(str)),
    _option("--values", st.one_of(non_finite, not_numbers)),
    _option("--sweep", st.tuples(st.floats(-10, 10), st.floats(-10, 10), st.integers(-5, 1)).map(
        lambda t: f"{t[0]}:{t[1]}:{t[2]}")),
    _option("--param", st.tuples(st.sampled_from(["tauS", "thn", "thm", "thS", "tau"]), non_positive).map(
        lambda t: f"{t[0]}={t[1]}")),
    _option("--param", st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(
        lambda name: name not in MODELS["srk"].parameter_names).map(lambda name: f"{name}=1")),
)


def _run(argv: list[str], folder: Path) -> tuple[int, str]:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code
    return code, stderr.getvalue()


@BOUNDED
@given(bad=bad_simulate_options)
def test_invalid_simulate_arguments_exit_2_and_write_nothing(bad):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        values = [] if any(a.startswith(("--values", "--sweep")) for a in bad) else ["--values=-40"]
        argv = ["simulate", "srk", *values, "--duration=1", *bad, "-o", str(folder / "sub" / "out.zarr")]
        code, err = _run(argv, folder)
        assert code == 2, (argv, err)
        assert "Traceback" not in err and "error" in err, (argv, err)
        assert list(folder.iterdir()) == [], argv


@BOUNDED
@given(junk=st.binary(max_size=64), name=st.sampled_from(["in.zarr", "in", "zarr.json"]))
def test_classify_of_junk_exits_2_and_writes_nothing(junk, name):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / name
        source.write_bytes(junk)
        code, err = _run(["classify", str(source), "-o", str(folder / "r.zarr"), "--csv", str(folder / "r.csv")],
                         folder)
        assert code == 2 and "Traceback" not in err, err
        assert sorted(p.name for p in folder.iterdir()) == [name]
        assert source.read_bytes() == junk


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _leaf_paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _leaf_paths(value, (*prefix, key))


PATHS = list(_leaf_paths(TINY))


def _tiny_with(path: tuple[str, ...], value) -> dict:
    """A copy of the tiny surrogate study with the key at ``path`` set to ``value``."""
    config = copy.deepcopy(TINY)
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return config


@BOUNDED
@given(path=st.sampled_from(PATHS), value=json_values)
def test_any_mutated_config_is_valid_or_refused_with_its_key(path, value):
    try:
        validate_config(_tiny_with(path, value))
    except ConfigError as exc:
        assert str(exc).startswith("config key "), exc
    # any other exception type fails the test: a traceback in a Snakemake job or the CLI


INTEGER_KEYS = [
    ("seed",),
    ("datasets", "fhn", "heldout", "num"),
    ("datasets", "fhn", "simulation", "n_ic"),
    ("datasets", "fhn", "simulation", "values_per_chunk"),
    ("surrogates", "vae_map", "gpus"),
]


@BOUNDED
@given(path=st.sampled_from(INTEGER_KEYS), value=st.integers(1, 50).map(float))
def test_whole_numbers_written_as_floats_are_refused_where_integers_are_expected(path, value):
    try:
        validate_config(_tiny_with(path, value))
    except ConfigError as exc:
        assert ".".join(path) in str(exc) and "is not of type 'integer'" in str(exc), exc
    else:
        raise AssertionError(f"{'.'.join(path)}: {value!r} was accepted")
