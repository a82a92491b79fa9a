#!/usr/bin/env bash
# Create (if missing) the repo's Python venv at <repo>/.venv and install scripts/requirements.txt.
# Idempotent: the install step is skipped while the hash of requirements.txt matches the stamp
# written after the last successful install. Set HUNTBOOK_VENV_FORCE=1 to reinstall anyway.
# Prints the venv path on the last line.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
req="$repo/scripts/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "venv.sh: creating $venv with $("$python" --version 2>&1)" >&2
    "$python" -m venv "$venv"
fi

want="$( (sha256sum "$req" 2>/dev/null || shasum -a 256 "$req") | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"

if [ "$want" != "$have" ] || [ "${HUNTBOOK_VENV_FORCE:-0}" = "1" ]; then
    echo "venv.sh: installing $(basename "$req") into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    printf '%s\n' "$want" > "$stamp"
else
    echo "venv.sh: $venv is up to date" >&2
fi

echo "$venv"
