"""nbgrader turns the lessons into student versions; autograding gives the instructor full marks, a blank copy zero.

The course, its SQLite gradebook and its runs are shared with tests/test_notebooks.py (tests/lesson_runs.py):
every instructor notebook is executed once, by nbgrader's autograde, whichever test asks first.
"""

from pathlib import Path

import nbformat
import pytest

from fcviz.__main__ import main
from lesson_runs import INSTRUCTOR, NOTEBOOKS, STUDENT, runs

IDS = [p.name for p in NOTEBOOKS]
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def _role(cell):
    """"answer", "check" (autograded), "task" or None for a cell nbgrader does not mark."""
    meta = _nbgrader(cell)
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "check"
    return "task" if meta else None


def _hidden_lines(source):
    """The lines between the hidden-test markers of a check cell."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() == "### BEGIN HIDDEN TESTS":
            inside = True
        elif line.strip() == "### END HIDDEN TESTS":
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_version_has_no_solutions_and_no_hidden_tests(path, tmp_path_factory):
    source = nbformat.read(path, as_version=4)
    released = nbformat.read(runs(tmp_path_factory).released()[path.stem], as_version=4)
    answers = [c for c in source.cells if _role(c) == "answer"]
    checks = [c for c in source.cells if _role(c) == "check"]
    assert answers and checks, f"{path.name} has no nbgrader exercise: every lesson needs at least one (AUTHORING.md)"
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source, \
            f"{path.name}, {_nbgrader(cell).get('grade_id')}: an answer cell needs a ### BEGIN SOLUTION region"
    for i, cell in enumerate(released.cells):
        found = [m for m in MARKERS if m in cell.source]
        assert not found, f"{path.name}: student version cell {i} still shows {found}"
    hidden = [line for c in checks for line in _hidden_lines(c.source)]
    text = "\n".join(c.source for c in released.cells)
    assert [line for line in hidden if line in text] == [], f"{path.name}: hidden tests left in the student version"
    blanks = [c for c in released.cells if _role(c) == "answer"]
    assert len(blanks) == len(answers) and all("raise NotImplementedError()" in c.source for c in blanks), \
        f"{path.name}: every answer cell of the student version should end in nbgrader's raise NotImplementedError()"
    hidden_answers = [_nbgrader(c).get("grade_id") for c in blanks if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert hidden_answers == [], f"{path.name}: the student version collapses the answer cells {hidden_answers}: open them"


def _why_graded_so(nb, grade_id):
    """What in a graded cell's outputs decided its score, as nbgrader reads them (utils.determine_grade)."""
    cell = next((c for c in nb.cells if _nbgrader(c).get("grade_id") == grade_id), None)
    if cell is None:
        return "the cell is missing"
    reasons = []
    for o in cell.get("outputs", []):
        if o.output_type == "error":
            reasons.append(f"raised {o.ename}: {o.evalue}"[:200])
        elif o.output_type == "stream" and o.name == "stderr":
            reasons.append(f"wrote to stderr (nbgrader gives 0 for that): {o.text.strip()}"[:200])
        elif o.output_type == "execute_result":
            reasons.append(f"ends in the value {o.data.get('text/plain', '')!r} (nbgrader reads a number as partial "
                           "credit)"[:200])
    return "; ".join(reasons) or "no error, no stderr, no value"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_instructor_version_scores_full_marks(path, tmp_path_factory):
    grade = runs(tmp_path_factory).grade(INSTRUCTOR, path.stem)
    assert grade.cells, f"{path.name}: nbgrader found no autograded cell"
    nb = nbformat.read(grade.path, as_version=4)
    lost = [f"{c.grade_id} scored {c.score:g} of {c.max_score:g}: {_why_graded_so(nb, c.grade_id)}"
            for c in grade.cells if c.score != c.max_score]
    assert not lost, f"{path.name}: the solutions lose points:\n" + "\n".join(lost) + f"\n(graded notebook: {grade.path})"
    assert grade.score == grade.max_score > 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_unsolved_student_version_scores_zero_and_runs_everything_else(path, tmp_path_factory):
    grade = runs(tmp_path_factory).grade(STUDENT, path.stem)
    assert grade.cells, f"{path.name}: nbgrader found no autograded cell"
    nb = nbformat.read(grade.path, as_version=4)
    scored = [f"{c.grade_id} scored {c.score:g}: {_why_graded_so(nb, c.grade_id)}" for c in grade.cells if c.score != 0]
    assert not scored, (f"{path.name}: a blank student version scores points, a check passes unanswered:\n"
                        + "\n".join(scored))
    failing = []
    for i, cell in enumerate(nb.cells):
        errors = [f"{o.ename}: {o.evalue}"[:160] for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors and _role(cell) not in ("answer", "check"):
            failing.append((i, errors))
    assert not failing, (f"{path.name}: cells outside the exercises fail when the exercises are unanswered (cell, "
                         f"errors) {failing}. A later cell uses an exercise's variables: compute them there again.")


def test_python_m_fcviz_student_writes_the_student_versions_side_by_side(tmp_path, capsys):
    assert main(["student", "--out", str(tmp_path / "student"), "02"]) == 0
    written = sorted(p.name for p in (tmp_path / "student").iterdir())
    assert written == ["02_persistent_graph_homology.ipynb"]
    nb = nbformat.read(tmp_path / "student" / written[0], as_version=4)
    assert not [m for c in nb.cells for m in MARKERS if m in c.source]
    assert "1 student version" in capsys.readouterr().out


def test_student_folder_is_not_committed():
    ignored = (Path(__file__).parent.parent / ".gitignore").read_text().splitlines()
    assert "/student/" in ignored and "/gallery/" in ignored
