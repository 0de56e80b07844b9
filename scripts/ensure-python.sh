#!/usr/bin/env bash
# Installs what the Python tests need in Debian's python3 (not a python3 that happens to be first
# on PATH): python3-torch and python3-numpy for the PyTorch package's equivalence tests
# (src/scale-out, npm run test:python), python3-pandas for the check that pandas reads the lab's
# CSV exports (src/cbs/export.test.ts). One apt-get for whatever is missing.
set -euo pipefail
missing=()
for pair in torch:python3-torch numpy:python3-numpy pandas:python3-pandas; do
  module="${pair%%:*}"
  package="${pair#*:}"
  /usr/bin/python3 -c "import $module" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing for /usr/bin/python3: ${missing[*]}, and apt-get is not available: install them for it." >&2
    exit 1
  fi
  echo "Installing Debian's ${missing[*]} with apt-get..."
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import torch, numpy, pandas; print(f"python: torch {torch.__version__}, numpy {numpy.__version__}, pandas {pandas.__version__}")'
