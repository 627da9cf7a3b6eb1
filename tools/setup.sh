#!/usr/bin/env bash
# One-command set-up for picojoule; idempotent and quiet when nothing is missing.
#   1. OS tools: Icarus Verilog (iverilog) and Yosys with ABC, from the OS packages.
#   2. A virtual environment in .venv with picojoule installed (editable) and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.picojoule-setup"
python=${PYTHON:-python3}

need_pkgs=()
command -v iverilog >/dev/null 2>&1 || need_pkgs+=(iverilog)
{ command -v yosys >/dev/null 2>&1 && command -v yosys-abc >/dev/null 2>&1; } || need_pkgs+=(yosys)

if [ ${#need_pkgs[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        if [ "$(id -u)" -ne 0 ]; then
            if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
                echo "setup: missing ${need_pkgs[*]}; install them as root: apt-get install ${need_pkgs[*]}" >&2; exit 1
            fi
        fi
        echo "setup: installing OS packages: ${need_pkgs[*]}"
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq >/dev/null || true
        if ! $sudo apt-get install -y -qq "${need_pkgs[@]}" >/dev/null; then
            echo "setup: 'apt-get install ${need_pkgs[*]}' failed; install them by hand" >&2; exit 1
        fi
    else
        echo "setup: missing ${need_pkgs[*]}; install Icarus Verilog 11 and Yosys (>= 0.23, with yosys-abc) with your OS package manager" >&2
        exit 1
    fi
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: picojoule needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2; exit 1
fi

want=$(cat pyproject.toml tools/setup.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/picojoule" ]; then
    exit 0
fi
echo "setup: creating $venv and installing picojoule"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
mkdir -p build
log=build/setup.log
if ! { "$venv/bin/python" -m pip install -q --upgrade pip && \
       "$venv/bin/python" -m pip install -q -e '.[test]'; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "setup: pip install failed (full log: $log); check network access to PyPI and rerun make setup" >&2
    exit 1
fi
echo "$want" > "$stamp"
echo "setup: done"
