#!/usr/bin/env bash
# Rebuild the bundled demo sample in demo/ (German credit CSV, ONNX model, sidecar, test predictions).
#
#   bash scripts/demo/build.sh                 # fetches credit-g.arff from Debian's weka package
#   bash scripts/demo/build.sh --arff FILE     # or uses a credit-g.arff you already have
#
# Needs: a Debian system with `apt-get update` done (for `apt-get download weka`; nothing is installed),
# and Debian's /usr/bin/python3 with python3-sklearn, python3-numpy, python3-onnx. The output is byte-identical
# from run to run on the same package versions.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$repo/demo"
arff=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arff) arff="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: $0 [--arff credit-g.arff] [--out DIR]" >&2; exit 2 ;;
  esac
done

python=/usr/bin/python3 # Debian's interpreter: a pyenv `python3` earlier on PATH does not see the Debian packages
if ! "$python" -c 'import sklearn, numpy, onnx' 2>/dev/null; then
  echo "error: $python cannot import sklearn, numpy and onnx; install python3-sklearn python3-onnx" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [[ -z "$arff" ]]; then
  # Take the ARFF out of the weka .deb without installing it (that would pull in Java).
  for attempt in 1 2 3 4 5; do
    if (cd "$tmp" && apt-get download weka >"$tmp/apt.log" 2>&1); then break; fi
    if [[ $attempt -eq 5 ]] || ! grep -qi 'lock' "$tmp/apt.log"; then
      cat "$tmp/apt.log" >&2
      echo "error: 'apt-get download weka' failed (run 'apt-get update' first if the package is not found)" >&2
      exit 1
    fi
    echo "apt is locked by another process; retrying in 60 s ($attempt/5)" >&2
    sleep 60
  done
  dpkg -x "$tmp"/weka_*.deb "$tmp/weka"
  arff="$tmp/weka/usr/share/doc/weka/examples/credit-g.arff"
fi

# Single-threaded BLAS and a fixed hash seed, so the weights (and so the bytes) do not vary between runs.
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
  "$python" "$repo/scripts/demo/build_demo.py" --arff "$arff" --out "$out"
echo "wrote $out:"
(cd "$out" && ls -l german-credit.csv german-credit-mlp.onnx german-credit-mlp.json test-predictions.csv)
