"""Student versions of the lessons with nbgrader, and their autograding (the ``teach`` extra).

The notebooks in ``notebooks/`` are the instructor versions: their exercises are nbgrader cells (a
read-only task, an answer holding ``### BEGIN SOLUTION`` ... ``### END SOLUTION``, an autograded check
cell that may hold ``### BEGIN HIDDEN TESTS``; see ``notebooks/AUTHORING.md``). This module builds an
nbgrader course folder from them,

    <root>/nbgrader_config.py
    <root>/source/<lesson>/<lesson>.ipynb        one assignment per lesson, named by its file
    <root>/release/<lesson>/<lesson>.ipynb       the student version (generate_assignment)
    <root>/submitted/<student>/<lesson>/...      what a student hands in
    <root>/autograded/<student>/<lesson>/...     the executed, graded copy (autograde)
    <root>/gradebook.db                          nbgrader's SQLite gradebook

and runs nbgrader's own ``generate_assignment`` and ``autograde`` steps on it, in this process,
offline. :func:`write_student_versions` is ``make student`` (``python -m fcviz student``): the
student versions, solutions and hidden tests removed, side by side in one folder so that the links
between lessons still work.

nbgrader executes a notebook in a kernel that inherits this process's environment; :func:`autograde`
takes the variables the lessons read (``FCVIZ_FAST``, ``FCVIZ_CACHE_DIR``) and sets them for the
duration of the call only. Not thread-safe: one course step at a time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CellGrade", "Course", "NotebookGrade", "LESSONS", "lesson_paths", "write_student_versions"]

#: The lessons of a source checkout (the instructor versions).
LESSONS = Path(__file__).resolve().parent.parent.parent / "notebooks"

#: Seconds nbgrader may spend on one cell (its own default, 30, is too short for a zoo build).
CELL_TIMEOUT_S = 600

_CONFIG = '''"""nbgrader configuration of the fcviz lessons (written by fcviz.teach.assign)."""

c = get_config()  # noqa: F821 - defined by nbgrader when it reads this file
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "fcviz"
c.CourseDirectory.db_url = {db_url!r}
# The exchange (nbgrader release/collect between accounts) is not used: a course folder of one user.
c.Exchange.root = {exchange!r}
# A zoo build can take minutes at full size; nbgrader's default is 30 s per cell.
c.Execute.timeout = {timeout!r}
c.Execute.kernel_name = "python3"
# The scaffold nbgrader leaves where a solution was (its default, said here so a teacher sees it).
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
'''


def _require_nbgrader():
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        raise ImportError(
            "The student versions need nbgrader: pip install 'fcviz[teach]' (or pip install 'nbgrader>=0.9')."
        ) from None


def lesson_paths(names=None, *, folder=None):
    """The lesson notebooks to use, by name.

    Parameters
    ----------
    names : iterable of str, optional
        Notebook names, with or without ``.ipynb`` (``"03_wasserstein_and_barycenters"``), or
        unambiguous prefixes (``"03"``). Default: every notebook of the folder.
    folder : path-like, optional
        Where the lessons are. Default: ``notebooks/`` of the source checkout (:data:`LESSONS`).

    Returns
    -------
    list of pathlib.Path
        Sorted by name when ``names`` is None, else in the order given.

    Raises
    ------
    FileNotFoundError
        If the folder holds no notebook (the lessons ship with a source checkout, not a wheel).
    ValueError
        If a name matches no notebook or more than one.
    """
    folder = Path(LESSONS if folder is None else folder)
    every = sorted(folder.glob("*.ipynb"))
    if not every:
        raise FileNotFoundError(
            f"No notebooks in {folder}. The lessons ship with a source checkout of fcviz "
            "(git clone https://github.com/fcviz/fcviz), not with the installed package."
        )
    if names is None:
        return every
    paths = []
    for name in names:
        stem = name[:-6] if name.endswith(".ipynb") else name
        found = [p for p in every if p.stem == stem] or [p for p in every if p.stem.startswith(stem)]
        if len(found) != 1:
            known = ", ".join(p.stem for p in every)
            what = "no notebook" if not found else f"{len(found)} notebooks"
            raise ValueError(f"{name!r} names {what} in {folder}; the notebooks are: {known}.")
        paths.append(found[0])
    return paths


@dataclass(frozen=True)
class CellGrade:
    """One autograded cell of a graded notebook: its nbgrader ``grade_id``, points and errors."""

    grade_id: str
    score: float
    max_score: float


@dataclass(frozen=True)
class NotebookGrade:
    """A notebook as nbgrader graded it.

    Attributes
    ----------
    name : str
        The lesson (also its assignment's name).
    student : str
        Who submitted it.
    score, max_score : float
        Points scored and available.
    cells : tuple of CellGrade
        One per autograded cell, in the gradebook's order.
    path : pathlib.Path
        The executed, graded notebook (its outputs are the run's).
    """

    name: str
    student: str
    score: float
    max_score: float
    cells: tuple = field(default_factory=tuple)
    path: Path = None


@contextmanager
def _environment(env):
    """Set (value) or remove (None) the variables of ``env`` for the block; restore them after."""
    saved = {name: os.environ.get(name) for name in env}
    try:
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = str(value)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _nbgrader_environment(env=None):
    """``env`` plus a PATH on which nbgrader finds ``alembic``, the tool it runs to open a gradebook.

    nbgrader calls the ``alembic`` script by name; when Python runs from a virtual environment that
    is not activated (``.venv/bin/python -m pytest``), that script is not on PATH, so the folder of
    this interpreter's scripts is put first.
    """
    env = dict(env or {})
    scripts = str(Path(sys.executable).parent)
    path = env.get("PATH", os.environ.get("PATH", ""))
    if shutil.which("alembic", path=path) is None:
        env["PATH"] = scripts + (os.pathsep + path if path else "")
    return env


class Course:
    """An nbgrader course folder holding the lessons, one assignment per lesson.

    Parameters
    ----------
    root : path-like
        The course folder; created if missing. Existing lessons in it are replaced.
    notebooks : iterable of path-like
        The instructor versions to put into ``source/``.
    timeout : int, default=600
        Seconds nbgrader may spend on one cell when it executes a notebook.

    Examples
    --------
    A blank student version scores zero (``tests/test_student_versions.py`` runs this for every lesson)::

        course = Course("/tmp/fcviz-course", lesson_paths(["02"]))
        course.submit("ada", course.generate())
        [grade.score for grade in course.autograde("ada", env={"FCVIZ_FAST": "1"})]   # [0.0]
    """

    def __init__(self, root, notebooks, *, timeout=CELL_TIMEOUT_S):
        _require_nbgrader()
        self.root = Path(root).resolve()
        self.lessons = {Path(p).stem: Path(p) for p in notebooks}
        if not self.lessons:
            raise ValueError("A course needs at least one notebook; pass the paths of the lessons.")
        for name, path in self.lessons.items():
            source = self.root / "source" / name
            source.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, source / f"{name}.ipynb")
        self.config_path = self.root / "nbgrader_config.py"
        self.config_path.write_text(_CONFIG.format(
            root=str(self.root), db_url=f"sqlite:///{self.root / 'gradebook.db'}",
            exchange=str(self.root / "exchange"), timeout=int(timeout)))
        (self.root / "exchange").mkdir(exist_ok=True)
        self._generated = set()

    def _api(self):
        from nbgrader.apps import NbGraderAPI
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader(self.config_path.name, path=str(self.root)).load_config()
        return NbGraderAPI(config=config)

    @staticmethod
    def _check(result, step, name):
        if not result.get("success"):
            log = (result.get("log") or "") + (result.get("error") or "")
            raise RuntimeError(f"nbgrader {step} failed for {name}:\n{log.strip()[-4000:]}")

    def generate(self, names=None):
        """Run ``nbgrader generate_assignment`` for each lesson; return the student versions' paths.

        Returns
        -------
        dict of str to pathlib.Path
            Lesson name -> ``release/<name>/<name>.ipynb``.
        """
        names = self._names(names)
        api = self._api()
        with _environment(_nbgrader_environment()):
            for name in names:
                self._check(api.generate_assignment(name, force=True, create=True), "generate_assignment", name)
                self._generated.add(name)
        released = self.released(names)
        for path in released.values():
            _show_answer_cells(path)
        return released

    def released(self, names=None):
        """The generated student versions: lesson name -> path."""
        return {name: self.root / "release" / name / f"{name}.ipynb" for name in self._names(names)}

    def _names(self, names):
        names = list(self.lessons) if names is None else list(names)
        unknown = [n for n in names if n not in self.lessons]
        if unknown:
            raise ValueError(f"Not lessons of this course: {unknown}; its lessons are {list(self.lessons)}.")
        return names

    def submit(self, student, notebooks):
        """Hand in ``notebooks`` (lesson name -> notebook path) as ``student``'s submission."""
        for name, path in notebooks.items():
            folder = self.root / "submitted" / student / self._names([name])[0]
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, folder / f"{name}.ipynb")

    def autograde(self, student, names=None, *, env=None):
        """Run ``nbgrader autograde`` on ``student``'s submissions; return their grades.

        Parameters
        ----------
        student : str
            The student's id (created in the gradebook if new).
        names : iterable of str, optional
            The lessons to grade. Default: every lesson of the course.
        env : dict of str to (str or None), optional
            Environment variables for the kernels that execute the notebooks: a value sets one, None
            removes it (e.g. ``{"FCVIZ_FAST": "1", "MPLBACKEND": None}``). Restored afterwards.

        Returns
        -------
        list of NotebookGrade
            One per lesson, in the order of ``names``.

        Notes
        -----
        A lesson not generated yet is generated first: nbgrader grades against the gradebook's copy
        of the source (its locked cells and hidden tests), which generating writes.
        """
        names = self._names(names)
        missing = [name for name in names if name not in self._generated]
        if missing:
            self.generate(missing)
        api = self._api()
        grades = []
        for name in names:
            with _environment(_nbgrader_environment(env)):
                self._check(api.autograde(name, student, force=True, create=True), "autograde", name)
            grades.append(self._grade(name, student))
        return grades

    def _grade(self, name, student):
        from nbgrader.api import Gradebook

        with _environment(_nbgrader_environment()), Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_submission_notebook(name, name, student)
            cells = tuple(CellGrade(g.name, float(g.score), float(g.max_score))
                          for g in notebook.grades if g.cell_type == "code" and g.auto_score is not None)
            return NotebookGrade(name, student, float(notebook.score), float(notebook.max_score), cells,
                                 self.root / "autograded" / student / name / f"{name}.ipynb")


def _show_answer_cells(path):
    """Open the answer cells of a student version: the instructor versions keep them collapsed.

    Collapsing is cell metadata (``jupyter.source_hidden``), outside the checksums nbgrader keeps of
    the cells, so grading is unaffected.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        view = cell.metadata.get("jupyter", {})
        if cell.metadata.get("nbgrader", {}).get("solution") and view.pop("source_hidden", None):
            changed = True
            if not view:
                del cell.metadata["jupyter"]
    if changed:
        nbformat.write(nb, path)


def write_student_versions(out="student", names=None, *, folder=None):
    """Generate the student versions of the lessons with nbgrader into one folder (``make student``).

    Parameters
    ----------
    out : path-like, default="student"
        The folder for the student versions, created if missing; a lesson already there is replaced.
    names : iterable of str, optional
        Which lessons (see :func:`lesson_paths`). Default: all.
    folder : path-like, optional
        Where the instructor versions are. Default: ``notebooks/`` of the source checkout.

    Returns
    -------
    list of pathlib.Path
        The student versions written, ``out/<lesson>.ipynb``.
    """
    paths = lesson_paths(names, folder=folder)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fcviz-course-") as root:
        course = Course(root, paths)
        written = []
        for name, released in course.generate().items():
            target = out / f"{name}.ipynb"
            shutil.copyfile(released, target)
            written.append(target)
    return written
