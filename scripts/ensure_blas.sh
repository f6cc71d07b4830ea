#!/usr/bin/env bash
# Give PyTensor a BLAS it can link (see docs/install.md and bayesreg/inference/blas.py).
# pip's numpy/scipy wheels carry an OpenBLAS with prefixed symbols that PyTensor cannot use, so a
# pip-only install makes PyTensor warn "could not link to a BLAS installation" and run matrix
# products through a slow fallback. A system OpenBLAS fixes it; bayesreg links it automatically.
set -u
if ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so'; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_blas: installing Debian's libopenblas-dev for PyTensor" >&2
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev) >/dev/null 2>&1; then
    exit 0
  fi
  echo "ensure_blas: apt-get failed" >&2
fi
cat >&2 <<'MSG'
ensure_blas: no system OpenBLAS found. bayesreg still works, but PyTensor falls back to slow
NumPy-based BLAS calls (its warning says so). Fix: 'apt-get install libopenblas-dev' (Debian/Ubuntu),
'dnf install openblas-devel' (Fedora), or install pymc from conda-forge. See docs/install.md.
MSG
exit 0
