#!/usr/bin/env bash
# Run the numeric test modules once per OpenBLAS kernel, the variable set for that one command only.
# Different kernels round dot products differently in the last bits; a test that passes on one and
# fails on another compares bits, not mathematics (issue 18). Usage: tools/check_blas_kernels.sh [pytest args]
set -uo pipefail
cd "$(dirname "$0")/.."
MODULES="tests/test_clustering.py tests/test_birth_weight.py tests/test_homology.py tests/test_wasserstein.py
 tests/test_stats.py tests/test_studies.py tests/test_baselines.py tests/test_similarity.py"
status=0
for kernel in Prescott Haswell SkylakeX Zen; do
  echo "== OPENBLAS_CORETYPE=$kernel"
  OPENBLAS_CORETYPE=$kernel OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 MPLBACKEND=Agg PYTHONHASHSEED=0 \
    .venv/bin/python -m pytest -q -p no:cacheprovider $MODULES "$@" 2>&1 | tail -n 4 || status=1
done
exit $status
