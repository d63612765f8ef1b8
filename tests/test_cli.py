"""The command line runs offline and says where its output went."""

from fcviz.__main__ import main


def test_demo_writes_figure(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Figure written to" in out and str(tmp_path) in out
    assert (tmp_path / "demo_topology.png").stat().st_size > 10_000
