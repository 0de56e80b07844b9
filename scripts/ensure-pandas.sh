#!/usr/bin/env bash
# Installs Debian's python3-pandas when Debian's python3 cannot import pandas: a unit test reads
# the lab's CSV exports with pandas.read_csv (src/cbs/export.test.ts). Debian's python3 is used,
# not a python3 that happens to be first on PATH.
set -euo pipefail
if /usr/bin/python3 -c 'import pandas' >/dev/null 2>&1; then
  echo "pandas: $(/usr/bin/python3 -c 'import pandas; print(pandas.__version__)')"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "pandas is missing for /usr/bin/python3 and apt-get is not available: install pandas for it." >&2
  exit 1
fi
echo "Installing Debian's python3-pandas with apt-get..."
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends python3-pandas >/dev/null
echo "pandas: $(/usr/bin/python3 -c 'import pandas; print(pandas.__version__)')"
