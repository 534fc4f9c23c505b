#!/usr/bin/env bash
# Put the offline get-pip shim and pip wheels where ansible-test looks for its bootstrap script.
# usage: install.sh PIP_VERSION... (e.g. 24.2 for ansible-core 2.19, 25.2 for 2.21)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${HOME}/.ansible/test/cache
mkdir -p "$cache"
for version in "$@"; do
  [ -f "$cache/pip-$version-py3-none-any.whl" ] ||
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$cache" "pip==$version"
  install -m 0644 "$here/get_pip_shim.py" "$cache/get_pip_${version//./_}.py"
done
