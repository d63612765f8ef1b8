"""The command line runs offline and says where its output went."""

import csv

import numpy as np
import pytest

from fcviz.__main__ import main


def _ink(path):
    """Share of the pixels of a PNG that differ from its corner (background) colour."""
    import matplotlib.image as mpimg

    image = mpimg.imread(path)[..., :3]
    return float(np.mean(np.any(np.abs(image - image[0, 0]) > 0.05, axis=-1)))


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path / "cache"))


def test_demo_writes_figures_and_study_table(tmp_path, capsys):
    out_dir = tmp_path / "out"
    args = ["demo", "--output", str(out_dir), "--networks", "2", "--epochs", "1", "--repeats", "2",
            "--methods", "Top,Adj"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Output written to" in out and str(out_dir) in out
    assert "Study 1" in out and "Top" in out and "batch_norm" in out
    for name in ("connectomes.png", "birth_death.png"):
        assert _ink(out_dir / name) > 0.05, name  # something drawn: an empty set of axes inks about 2 %
    assert (out_dir / "study1.txt").read_text().startswith("method")
    assert main(args) == 0  # second run: the zoo comes from the cache
    assert "from the cache" in capsys.readouterr().out


def test_zoo_and_study_commands(capsys):
    assert main(["zoo", "--regularizers", "vanilla,l2", "--networks", "2", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "ConnectomeZoo(n_graphs=4" in out and "cache:" in out
    assert main(["study", "2", "--classes", "0,1", "--networks", "2", "--epochs", "1", "--repeats", "2",
                 "--methods", "Top", "--no-cache"]) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("Top")



def test_study_report_writes_figures_and_birth_weight_curve(tmp_path, capsys):
    report = tmp_path / "report"
    assert main(["study", "1", "--networks", "2", "--epochs", "1", "--repeats", "2", "--methods", "Top,Adj",
                 "--bootstrap", "5", "--weight-curve", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "Top purity against birth_weight" in out
    curve_rows = out[out.index("None (paper)"):].splitlines()[:12]
    assert [line.split()[0] for line in curve_rows[1:]] == [f"{0.1 * i:.2f}" for i in range(11)]  # every default
    names = ["training_strategies.csv", "training_strategies.md", "training_strategies_birth_weight.csv",
             "training_strategies_purity.png", "training_strategies_contingency.png",
             "training_strategies_birth_weight.png"]
    for name in names:
        assert (report / name).stat().st_size > 0 and str(report / name) in out
    for name in names[3:]:
        assert _ink(report / name) > 0.05, name
    with open(report / "training_strategies.csv", newline="") as f:
        top = next(r for r in csv.DictReader(f) if r["method"] == "Top")
    with open(report / "training_strategies_birth_weight.csv", newline="") as f:
        paper = next(r for r in csv.DictReader(f) if r["birth_weight"] == "None")
    # the curve's paper distance repeats the study's Top clusterings (same seeds): the same purity
    assert float(paper["purity_mean"]) == pytest.approx(float(top["purity_mean"]))
    assert sorted(p.name for p in report.iterdir()) == sorted(names)  # no temporary files left behind

    assert main(["study", "1", "--networks", "2", "--epochs", "1", "--repeats", "1", "--methods", "Top",
                 "--bootstrap", "0", "--birth-weight", "0.25"]) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("Top")

def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit):
        main(["study", "3"])
    with pytest.raises(SystemExit):
        main(["bench", "nonexistent"])
    assert "no benchmark script" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["study", "1", "--birth-weight", "1.5"])
    assert "--birth-weight: expected a number from 0 (deaths only) to 1 (births only); got '1.5'" in (
        capsys.readouterr().err)
