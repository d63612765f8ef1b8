"""fcviz._threads.current_controller: reused while nothing is imported, looked up again after an import."""

import sys

from fcviz._threads import current_controller, one_thread


def test_the_lookup_is_reused_until_a_module_is_imported(monkeypatch):
    first = current_controller()
    assert current_controller() is first
    monkeypatch.setitem(sys.modules, "fcviz_test_new_module", object())  # what an import does
    again = current_controller()
    assert again is not first and current_controller() is again


def test_one_thread_fresh_limits_every_pool_and_restores_it():
    import numpy  # noqa: F401  (its BLAS is a pool)

    before = {p["filepath"]: p["num_threads"] for p in current_controller().info()}
    with one_thread(fresh=True):
        assert all(p["num_threads"] == 1 for p in current_controller().info())
    assert {p["filepath"]: p["num_threads"] for p in current_controller().info()} == before
