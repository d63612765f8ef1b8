"""make gallery: the lessons executed into HTML pages with their figures, and an index of run times."""

import re

from fcviz.__main__ import main


def test_gallery_in_fast_mode_embeds_the_figures_and_lists_the_times(tmp_path, capsys):
    out = tmp_path / "gallery"
    # one small lesson keeps the suite quick; build_gallery runs every lesson the same way
    assert main(["gallery", "--out", str(out), "--fast", "02"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["02_persistent_graph_homology.html", "index.html"]
    page = (out / "02_persistent_graph_homology.html").read_text()
    assert page.count("data:image/png;base64,") >= 2, "the figures are not embedded in the page"
    assert "fast mode" in page and "FCVIZ_BENCH_PEAK" not in page  # the banner, not the measuring cell
    assert 'href="index.html"' in page
    index = (out / "index.html").read_text()
    rows = re.findall(r'<tr><td><a href="(\d\d_\w+)\.html">\1</a></td><td>([\d.]+)</td><td>([\d.]+)</td>'
                      r"<td>([^<]+)</td></tr>", index)
    assert [(name, status) for name, _, _, status in rows] == [("02_persistent_graph_homology", "ok")], index
    assert all(float(seconds) > 0 and 0 < float(gb) < 8 for _, seconds, gb, _ in rows)
    assert "fast mode" in index and "run time (s)" in index and "peak memory (GB)" in index
    assert "Gallery written to" in capsys.readouterr().out
