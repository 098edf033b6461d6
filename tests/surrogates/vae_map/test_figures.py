"""Figures of surrogate training: latent selection curves and map training curves."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from neurorecon.surrogates.training import EpochRecord, write_curve
from neurorecon.surrogates.vae_map.figures import latent_selection_figure, map_training_figure, read_curves
from neurorecon.surrogates.vae_map.selection import choose_latent_dim
from neurorecon.surrogates.vae_map.settings import LatentSelection


def _vae_curve(path, d, level):
    records = [EpochRecord(f"vae d={d}", e, 5, level * (6 - e), level * (6 - e), 1e-3, e, {"latent_dim": d})
               for e in range(1, 6)]
    return write_curve(path, records)


def test_latent_selection_figure_marks_elbow_and_choice(tmp_path):
    files = [_vae_curve(tmp_path / f"c{d}.tsv", d, level) for d, level in ((2, 0.05), (3, 0.011), (4, 0.010))]
    curves = read_curves(files)
    assert sorted(curves) == [2, 3, 4]
    choice = choose_latent_dim(curves, LatentSelection(dims=(2, 3, 4), last_epochs=2))
    fig = latent_selection_figure(curves, choice, title="srk seed 0")
    left, right = fig.axes[:2]
    assert "epoch" in left.get_xlabel() and "held-back loss" in left.get_ylabel()
    assert right.get_xlabel() == "latent dimension d"
    labels = right.get_legend_handles_labels()[1]
    assert any("elbow d = 3" in label for label in labels)
    assert any("chosen d = 4" in label for label in labels)
    fig.savefig(tmp_path / "selection.png")
    plt.close(fig)


def test_map_training_figure(tmp_path):
    rows = [{"epoch": e, "loss": 1.0 / e, "val_loss": 1.2 / e, "horizon": min(2 * e, 50),
             "check_traces_passed": e % 3} for e in range(1, 11)]
    fig = map_training_figure(rows, title="map")
    assert fig.axes[0].get_yscale() == "log"
    fig.savefig(tmp_path / "map.png")
    plt.close(fig)


def test_map_training_figure_from_a_curve_file_with_unjudged_epochs(tmp_path):
    """Epochs before ``check_from_epoch`` have no check columns: empty cells in the TSV."""
    from neurorecon.surrogates.training import read_curve

    records = [EpochRecord("map", e, 6, 1.0 / e, 1.1 / e, 1e-3, e,
                           {"horizon": e, **({"check_traces_passed": e - 3} if e > 3 else {})})
               for e in range(1, 7)]
    path = write_curve(tmp_path / "map_curve.tsv", records)
    fig = map_training_figure(read_curve(path))
    (line,) = fig.axes[1].get_lines()
    heights = line.get_ydata()
    assert list(heights[heights == heights]) == [1, 2, 3]
    plt.close(fig)


def test_map_training_figure_draws_one_check_line_per_candidate(tmp_path):
    rows = [{"candidate": c, "epoch": e, "loss": 1.0 / e, "val_loss": 1.2 / e, "horizon": e,
             "check_traces_passed": e + 10 * c} for c in (0, 1) for e in range(1, 5)]
    fig = map_training_figure(rows)
    lines = fig.axes[1].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[1, 2, 3, 4], [11, 12, 13, 14]]
    assert [line.get_label() for line in lines] == ["candidate 0", "candidate 1"]
    assert len(fig.axes[0].get_lines()) == 4  # training and held-back loss per candidate
    plt.close(fig)
