"""Command line of fcviz: ``python -m fcviz {demo,zoo,study,dynamics,bench,prefetch,student,gallery,app}``.

- ``demo``: the classroom pipeline on the embedded digits, offline — trains networks with the four
  strategies, builds their connectomes (cached), prints a per-strategy summary, writes figures to an
  output folder that it names, and ends with the classroom Study 1 table.
- ``zoo``: build (or load from the cache) a connectome zoo, e.g.
  ``python -m fcviz zoo --dataset fashion-mnist --regularizers all --networks 20 --preset paper``.
- ``study``: ``python -m fcviz study 1 --dataset digits`` prints a table like the paper's;
  ``study 2`` clusters stimuli classes. ``--birth-weight B`` uses the β-weighted distance (0: deaths
  only, 1: births only) instead of the paper's; ``--weight-curve`` also prints Top purity against β;
  ``--report DIR`` writes the table (CSV, Markdown), the curve (CSV) and the figures (PNG) into ``DIR``.
- ``dynamics``: ``python -m fcviz dynamics --dataset digits --epochs-list 0,1,2,5,10,15`` builds the zoo
  with connectomes at those epochs of training and prints, per epoch, the Top purity of the training
  strategies, the permutation test and each strategy's distance to its final connectomes; with
  ``--output DIR`` it also writes the table (``dynamics.txt``) and an animated GIF of the epochs
  (``dynamics.gif``, :func:`fcviz.viz.widgets.dynamics.save_animation`) into ``DIR``.
- ``--workers N`` (zoo, study, dynamics) runs the independent work (training groups, Rips diagrams,
  distance matrices, bootstrap resamples) on a new local Dask cluster of N one-thread processes;
  ``--scheduler ADDRESS`` on an existing cluster (e.g. ``tcp://10.0.0.5:8786``; dask-jobqueue on
  Slurm: see the README's "Many machines"). The results are those of the serial run, bit for bit;
  the cluster and its dashboard link are printed; ``pip install "fcviz[distributed]"`` provides Dask.
- ``bench``: run the benchmark scripts of a source checkout.
- ``prefetch``: ``python -m fcviz prefetch --datasets digits,mnist --cache-dir DIR`` downloads the data and
  builds the zoos of the dashboard and the notebooks into one cache that a class then reads
  (:mod:`fcviz._prefetch`; ``binder/postBuild`` runs it).
- ``student``: ``python -m fcviz student --out student`` writes the student versions of the lessons (solutions and
  hidden tests removed by nbgrader, :mod:`fcviz.teach.assign`; the ``teach`` extra) into one folder.
- ``gallery``: ``python -m fcviz gallery --out gallery`` executes the lessons at full size into HTML pages with
  their figures and an index of run times and peak memory (:mod:`fcviz.teach.gallery`; ``--fast`` for a quick one).
- ``app``: serve the dashboard as a code-free Voilà app on 127.0.0.1 (:mod:`fcviz.app`), e.g.
  ``python -m fcviz app --port 8866 --no-browser``; ``--ip ADDRESS`` serves other machines, with a token.
"""

from __future__ import annotations

import argparse
import logging
import runpy
import sys
import time
from pathlib import Path

__all__ = ["main", "run_demo"]

log = logging.getLogger("fcviz")


class _AboveBars(logging.Handler):
    """Writes log lines with ``tqdm.write``, above the per-epoch progress bars instead of through them."""

    def emit(self, record):
        try:
            from tqdm.auto import tqdm

            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)


def _classes(text):
    if text is None or text == "all":
        return text
    return [int(c) for c in text.split(",")]


def _regularizers(text):
    return "all" if text == "all" else tuple(text.split(","))


def _methods(text):
    return "all" if text == "all" else tuple(text.split(","))


def _epoch_list(text):
    try:
        return [int(e) for e in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated epochs such as 0,1,2,5; got {text!r}") from None


def _birth_weight(text):
    from ._validation import check_birth_weight

    try:
        return check_birth_weight(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number from 0 (deaths only) to 1 (births only); got {text!r}. Leave the flag out for the "
            "paper's distance."
        ) from None


def _write_figure(figure, path, dpi=100):
    """Save ``figure`` as PNG at ``path``, whole or not at all."""
    from ._files import write_atomic

    return write_atomic(path, lambda file: figure.savefig(file, format="png", dpi=dpi))


#: Snapshot epochs of ``python -m fcviz dynamics`` when --epochs-list is not given (those up to --epochs).
_DYNAMICS_EPOCHS = (0, 1, 2, 5, 10, 15)


def run_demo(output, *, n_networks=None, epochs=None, n_repeats=20, methods="all", seed=0):
    """The classroom pipeline on digits; returns the paths written."""
    from . import birth_death, connectome_zoo
    from .studies import training_strategies

    options = {k: v for k, v in {"n_networks": n_networks, "epochs": epochs}.items() if v is not None}
    t0 = time.perf_counter()
    zoo = connectome_zoo("digits", "all", preset="classroom", seed=seed, **options)
    print(f"Connectome zoo: {len(zoo)} networks of {zoo.n_nodes} hidden neurons "
          f"({'from the cache' if zoo.from_cache else 'trained'}) in {time.perf_counter() - t0:.1f} s.")
    P = birth_death(zoo.graphs)
    names = zoo.group_labels("regularizer")[1]
    print(zoo.summary("regularizer", persistence=P).to_text())

    from .viz.displays.reports import group_figures

    output.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, figure in group_figures(zoo, persistence=P).items():
        paths.append(output / f"{name}.png")
        figure.savefig(paths[-1], dpi=100)

    study = training_strategies(zoo=zoo, methods=methods, n_repeats=n_repeats, random_state=seed)
    print(f"\nStudy 1 (classroom, digits): cluster {len(zoo)} networks into {len(names)} training strategies, "
          f"{n_repeats} repeats")
    print(study.to_text())
    table_path = output / "study1.txt"
    table_path.write_text(study.to_text() + "\n")
    paths.append(table_path)
    return paths


def _add_zoo_arguments(parser):
    parser.add_argument("--dataset", default="digits", help="digits (offline), mnist, fashion-mnist or cifar10")
    parser.add_argument("--preset", default="classroom", choices=("classroom", "paper"))
    parser.add_argument("--networks", type=int, default=None, help="networks per group (default: the preset's)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: the preset's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the zoo cache")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="run the independent tasks on a local Dask cluster of N processes")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run them on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786)")


def _zoo_options(args):
    options = {"n_networks": args.networks, "seed": args.seed, "cache": not args.no_cache}
    if args.epochs is not None:
        options["epochs"] = args.epochs
    return options


def _add_demo(sub):
    demo = sub.add_parser("demo", help="the classroom pipeline on the embedded digits (offline)")
    demo.add_argument("--output", type=Path, default=Path("fcviz-output"), help="folder for figures and tables")
    demo.add_argument("--networks", type=int, default=None, help="networks per strategy (default 8)")
    demo.add_argument("--epochs", type=int, default=None)
    demo.add_argument("--repeats", type=int, default=20, help="clustering repeats per method")
    demo.add_argument("--methods", type=_methods, default="all", help="comma-separated, e.g. Top,Adj,WD")
    demo.add_argument("--seed", type=int, default=0)


def _add_zoo(sub):
    zoo = sub.add_parser("zoo", help="build or load a connectome zoo")
    _add_zoo_arguments(zoo)
    zoo.add_argument("--regularizers", type=_regularizers, default="all", help="'all' or e.g. vanilla,l2")
    zoo.add_argument("--classes", type=_classes, default=None, help="'all' or e.g. 0,1,2 (one stimulus set each)")
    zoo.add_argument("--pairing", default="fresh", choices=("fresh", "shared"))


def _add_study(sub):
    study = sub.add_parser("study", help="run Study 1 (training strategies) or 2 (stimuli)")
    study.add_argument("number", type=int, choices=(1, 2))
    _add_zoo_arguments(study)
    study.add_argument("--regularizer", default="vanilla", help="the strategy of Study 2")
    study.add_argument("--classes", type=_classes, default="all", help="Study 2 classes: 'all' or e.g. 0,1,2")
    study.add_argument("--pairing", default="fresh", choices=("fresh", "shared"))
    study.add_argument("--methods", type=_methods, default="all")
    study.add_argument("--repeats", type=int, default=20)
    study.add_argument("--protocol", default="fcviz", choices=("fcviz", "paper"))
    study.add_argument("--budget", type=float, default=120.0, help="seconds allowed for Rips persistence")
    study.add_argument("--subsample", type=int, default=None, help="run over-budget baselines on this many graphs")
    study.add_argument("--bootstrap", type=int, default=200,
                       help="resamples of the 95%% interval of purity over networks (0: none)")
    study.add_argument("--birth-weight", type=_birth_weight, default=None, metavar="BETA",
                       help="weigh births by BETA and deaths by 1 - BETA in the topological distance, from 0 "
                            "(deaths only) to 1 (births only); default: the paper's distance (plain sums)")
    study.add_argument("--weight-curve", action="store_true",
                       help="also compute Top purity against the birth weight (with --report: CSV and figure)")
    study.add_argument("--report", type=Path, default=None,
                       help="also write the table (CSV, Markdown) and the figures (PNG) here")


def _add_dynamics(sub):
    dynamics = sub.add_parser("dynamics", help="watch topology emerge: the analyses at several epochs of training")
    _add_zoo_arguments(dynamics)
    dynamics.add_argument("--regularizers", type=_regularizers, default="all", help="'all' or e.g. vanilla,l2")
    dynamics.add_argument("--epochs-list", type=_epoch_list, default=None,
                          help="epochs to record, e.g. 0,1,2,5,10,15 (0: before training; default: those of "
                               f"{','.join(map(str, _DYNAMICS_EPOCHS))} up to --epochs)")
    dynamics.add_argument("--repeats", type=int, default=20, help="Top clusterings per epoch")
    dynamics.add_argument("--permutations", type=int, default=999, help="relabellings of the permutation test")
    dynamics.add_argument("--threshold", type=float, default=0.6, help="purity that counts as separated")
    dynamics.add_argument("--output", type=Path, default=None,
                          help="folder for dynamics.txt (the table) and dynamics.gif (the first network's epochs "
                               "animated); a path ending in .txt names the table file, the GIF goes beside it")


def _add_bench(sub):
    bench = sub.add_parser("bench", help="run benchmarks/bench_*.py of a source checkout")
    bench.add_argument("name", nargs="?", default="homology",
                       help="homology, training, zoo, clustering, runtime, dynamics")


def _add_app(sub):
    app = sub.add_parser("app", help="serve the dashboard as a code-free Voila app (needs the app extra)")
    app.add_argument("--dataset", default="digits", help="data set selected at start (default digits, offline)")
    app.add_argument("--port", type=int, default=8866)
    app.add_argument("--ip", default="127.0.0.1", help="address to listen on; other than 127.0.0.1 needs a token")
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    app.add_argument("--output", type=Path, default=Path("fcviz-output") / "app", help="the app's export folder")


def _add_prefetch(sub):
    prefetch = sub.add_parser("prefetch", help="download data and build the dashboard's and notebooks' zoos into "
                                               "one cache (for a class, or a Binder image)")
    prefetch.add_argument("--datasets", type=lambda text: [d for d in text.split(",") if d], default=["digits"],
                          help="comma-separated, e.g. digits,mnist,fashion-mnist (default digits, offline)")
    prefetch.add_argument("--cache-dir", type=Path, default=None,
                          help="cache root to fill (default: $FCVIZ_CACHE_DIR, else the user cache folder)")
    prefetch.add_argument("--data-dir", type=Path, default=None,
                          help="folder for the downloads (default: $FCVIZ_DATA_DIR, else the user cache folder)")
    prefetch.add_argument("--no-notebooks", action="store_true", help="only the dashboard's zoos")
    prefetch.add_argument("--skip-unavailable", action="store_true",
                          help="a data set that cannot be downloaded is reported, not an error (exit 0)")


def _add_student(sub):
    student = sub.add_parser("student", help="write the lessons' student versions with nbgrader (needs the teach extra)")
    student.add_argument("names", nargs="*", help="lessons, e.g. 02 or 03_wasserstein_and_barycenters (default: all)")
    student.add_argument("--out", type=Path, default=Path("student"), help="folder for them (default student/)")


def _add_gallery(sub):
    gallery = sub.add_parser("gallery", help="execute the lessons into HTML pages with run times (needs nbconvert)")
    gallery.add_argument("names", nargs="*", help="lessons, e.g. 02 03 (default: all)")
    gallery.add_argument("--out", type=Path, default=Path("gallery"), help="folder for the pages (default gallery/)")
    gallery.add_argument("--fast", action="store_true", help="small data (FCVIZ_FAST=1): a quick look, not the lesson")
    gallery.add_argument("--threads", type=int, default=2, help="OMP/MKL threads of the kernel (default 2)")
    gallery.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")


def _parser():
    parser = argparse.ArgumentParser(prog="fcviz", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_demo, _add_zoo, _add_study, _add_dynamics, _add_bench, _add_prefetch, _add_student, _add_gallery,
                _add_app):
        add(sub)
    return parser


def _demo(args, parser):
    paths = run_demo(args.output, n_networks=args.networks, epochs=args.epochs, n_repeats=args.repeats,
                     methods=args.methods, seed=args.seed)
    print(f"\nOutput written to {args.output.resolve()}: " + ", ".join(p.name for p in paths))


def _zoo(args, parser):
    from .zoo import connectome_zoo

    result = connectome_zoo(args.dataset, args.regularizers, args.classes, preset=args.preset,
                            pairing=args.pairing, **_zoo_options(args))
    print(result)
    print(f"timings: {result.metadata.get('timings')}")
    print(f"cache: {result.cache_path}")


def _study(args, parser):
    from . import studies

    common = dict(preset=args.preset, methods=args.methods, n_repeats=args.repeats, protocol=args.protocol,
                  baseline_budget=args.budget, baseline_subsample=args.subsample, n_bootstrap=args.bootstrap,
                  birth_weight=args.birth_weight, **_zoo_options(args))
    if args.number == 1:
        result = studies.training_strategies(args.dataset, **common)
    else:
        result = studies.stimulus_classes(args.dataset, args.regularizer, classes=args.classes, pairing=args.pairing,
                                          **common)
    print(result.to_text())
    curve = None
    if args.weight_curve:
        by = "regularizer" if args.number == 1 else "stimulus_class"
        curve = studies.birth_weight_curve(result.zoo, by=by, n_repeats=args.repeats, random_state=0)
        print()
        print(curve.to_text())
    if args.report is not None:
        written = _write_study_report(result, curve, Path(args.report))
        print("Report written:")
        for path in written:
            print(f"  {path}")


def _write_study_report(result, curve, folder):
    """The study's table, its birth-weight curve (when computed) and its figures in ``folder``; the paths."""
    from .viz.displays.reports import study_figures

    written = list(result.write_report(folder).values())
    if curve is not None:
        written.append(Path(curve.write_csv(folder)))
    stem = result.settings.get("study", "study")
    for name, figure in study_figures(result, curve=curve).items():
        written.append(_write_figure(figure, folder / f"{stem}_{name}.png"))
    return written


def _dynamics(args, parser):
    from . import training_dynamics
    from .zoo import connectome_zoo

    epochs = args.epochs_list
    if epochs is None:
        epochs = [e for e in _DYNAMICS_EPOCHS if args.epochs is None or e <= args.epochs]
    zoo = connectome_zoo(args.dataset, args.regularizers, preset=args.preset, snapshot_epochs=epochs,
                         **_zoo_options(args))
    result = training_dynamics(zoo, n_repeats=args.repeats, n_permutations=args.permutations,
                               random_state=args.seed)
    print(zoo)
    print(result.to_text())
    first = result.first_separation(args.threshold)
    print(f"First separation (Top purity >= {args.threshold:g}): "
          + (f"epoch {first}" if first is not None else "none of the recorded epochs"))
    if args.output is not None:
        _write_dynamics(zoo, result, args.output)


def _write_dynamics(zoo, result, output):
    """The dynamics table (and, over several epochs, its animation) at ``output``, saying where."""
    from .viz.widgets.dynamics import save_animation

    table = output if output.suffix == ".txt" else output / "dynamics.txt"
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_text(result.to_text() + "\n")
    print(f"Table written to {table.resolve()}")
    if len(zoo.epochs) > 1:
        gif = save_animation(zoo, table.parent / "dynamics.gif", dynamics=result, fps=2)
        print(f"Animation written to {gif.resolve()}")
    else:
        print("No animation: the zoo has one epoch (give --epochs-list with several epochs).")


def _bench(args, parser):
    script = Path(__file__).resolve().parent.parent / "benchmarks" / f"bench_{args.name}.py"
    if not script.exists():
        parser.error(f"no benchmark script {script}; benchmarks ship with a source checkout of fcviz.")
    sys.argv = [str(script)]
    runpy.run_path(str(script), run_name="__main__")


def _app(args, parser):
    from .app import AppError, serve

    try:
        serve(args.dataset, port=args.port, ip=args.ip, open_browser=not args.no_browser, output=args.output)
    except AppError as exc:
        parser.exit(2, f"fcviz app: {exc}\n")


def _prefetch(args, parser):
    from ._prefetch import prefetch

    try:
        failures = prefetch(args.datasets, cache_dir=args.cache_dir, data_dir=args.data_dir,
                            notebooks=not args.no_notebooks)
    except ValueError as exc:
        parser.exit(2, f"fcviz prefetch: {exc}\n")
    missing = [name for name, reason in failures.items() if reason]
    if missing and not args.skip_unavailable:
        parser.exit(1, f"fcviz prefetch: not available: {', '.join(missing)} (the others are cached).\n")
    print("Prefetch done" + (f"; skipped {', '.join(missing)}" if missing else "") + ".")


def _student(args, parser):
    from .teach.assign import write_student_versions

    try:
        written = write_student_versions(args.out, args.names or None)
    except (ImportError, FileNotFoundError, ValueError, RuntimeError) as exc:
        parser.exit(2, f"fcviz student: {exc}\n")
    print(f"{len(written)} student version{'s' * (len(written) != 1)} written to {args.out.resolve()}: "
          + ", ".join(p.name for p in written))


def _gallery(args, parser):
    from .teach.gallery import build_gallery

    try:
        pages = build_gallery(args.out, args.names or None, fast=args.fast, threads=args.threads,
                              timeout=args.timeout, log=print)
    except (ImportError, FileNotFoundError, ValueError) as exc:
        parser.exit(2, f"fcviz gallery: {exc}\n")
    failed = [page for page in pages if page.error]
    print(f"Gallery written to {(args.out / 'index.html').resolve()}"
          + (f"; {len(failed)} notebook(s) failed: {', '.join(p.name for p in failed)}" if failed else ""))
    if failed:
        parser.exit(1)


_COMMANDS = {"demo": _demo, "zoo": _zoo, "study": _study, "dynamics": _dynamics, "bench": _bench,
             "prefetch": _prefetch, "student": _student, "gallery": _gallery, "app": _app}


def _cluster(args, parser):
    """The Dask client that ``--workers`` or ``--scheduler`` ask for (None: neither); errors end the command."""
    from . import parallel

    workers, address = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is None and address is None:
        return None
    if workers is not None and workers < 1:
        parser.error(f"--workers must be at least 1; got {workers}.")
    import os

    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # its INFO lines (workers too) bury the bars
    try:
        client = parallel.local_cluster(workers) if workers is not None else parallel.connect(address)
    except (ImportError, OSError) as exc:
        parser.error(str(exc))
    print(parallel.describe(client), flush=True)
    return client


def main(argv=None):
    """Entry point of ``python -m fcviz`` and the ``fcviz`` script: parse the command line and run it."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[_AboveBars()])
    client = _cluster(args, parser)
    if client is None:
        _COMMANDS[args.command](args, parser)
        return 0
    from . import parallel

    try:
        with parallel.using(client):
            _COMMANDS[args.command](args, parser)
    finally:
        parallel.close(client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
