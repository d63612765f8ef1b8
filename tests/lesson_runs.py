"""One nbgrader course of the lessons per test session, each notebook executed once per student.

tests/test_notebooks.py checks the outputs of the instructor versions and tests/test_student_versions.py
their grades; both read the same autograded instructor notebook, so every instructor notebook runs once
in the suite, through nbgrader's autograde (a real SQLite gradebook, offline). The student versions run
once more, with the cache their instructor run filled.
"""

from pathlib import Path

from fcviz.teach.assign import Course, lesson_paths

NOTEBOOKS = lesson_paths()
INSTRUCTOR = "instructor"
STUDENT = "student"



class LessonRuns:
    """The session's course: student versions generated once, each (student, lesson) graded once."""

    def __init__(self, root):
        self.root = Path(root)
        self.course = Course(self.root / "course", NOTEBOOKS)  # cells may take assign.CELL_TIMEOUT_S
        self._released = None
        self._grades = {}

    def kernel_env(self, name):
        """The kernel's environment, as in JupyterLab but small: fast mode, inline figures, own cache."""
        return {
            "FCVIZ_FAST": "1",
            # the kernel's own inline backend, as in JupyterLab: every pyplot figure comes back as a PNG
            "MPLBACKEND": None,
            "FCVIZ_CACHE_DIR": str(self.root / "cache" / name),
            "FCVIZ_NOTEBOOK_AUTOBUILD": "1",  # no browser to click Build: 00 builds from code
        }

    def released(self):
        """Lesson name -> its student version (nbgrader generate_assignment, once)."""
        if self._released is None:
            self._released = self.course.generate()
        return self._released

    def grade(self, student, name):
        """The lesson as nbgrader graded it for ``student`` (INSTRUCTOR: the source notebook itself)."""
        key = (student, name)
        if key not in self._grades:
            handed_in = self.course.lessons[name] if student == INSTRUCTOR else self.released()[name]
            self.course.submit(student, {name: handed_in})
            self._grades[key] = self.course.autograde(student, [name], env=self.kernel_env(name))[0]
        return self._grades[key]


_RUNS = {}


def runs(tmp_path_factory):
    """The session's :class:`LessonRuns` (one per pytest session, shared by the test modules)."""
    if "runs" not in _RUNS:
        _RUNS["runs"] = LessonRuns(tmp_path_factory.mktemp("lessons"))
    return _RUNS["runs"]
