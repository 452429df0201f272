#!/usr/bin/env bash
# Refresh the message catalogues after interface strings changed in lms/ or templates/:
#   1. extract every _() / ngettext() / _l() / lazy_gettext() / _ln() (lazy plural) string into
#      lms/translations/messages.pot
#   2. merge it into lms/translations/fr/LC_MESSAGES/messages.po (new strings appear empty,
#      changed ones are marked "#, fuzzy" with a guess)
#   3. compile the .po into the .mo shipped in the package (fuzzy entries are left out)
#   4. list what still needs a French translation.
# Then translate those entries in messages.po (remove the "#, fuzzy" line once checked), run this
# script again and commit the .pot, .po and .mo together. tests/test_i18n.py fails until every
# string is translated and the .mo matches the .po. English is the msgid itself: no catalogue.
# Usage: scripts/update-translations.sh   (PYBABEL=/path/to/pybabel to choose the executable)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-$(command -v pybabel || echo .venv/bin/pybabel)}"
DIR=lms/translations

NEW_POT="$(mktemp)"
trap 'rm -f "$NEW_POT"' EXIT
"$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -k _ln:1,2 --no-wrap --sort-by-file \
  --project police-academy-lms -o "$NEW_POT" .
# Keep the old template when only its creation date would change (no noise in commits).
if ! [ -f "$DIR/messages.pot" ] || ! diff -q <(grep -v '^"POT-Creation-Date' "$DIR/messages.pot") \
    <(grep -v '^"POT-Creation-Date' "$NEW_POT") >/dev/null; then
  cp "$NEW_POT" "$DIR/messages.pot"
fi
for po in "$DIR"/*/LC_MESSAGES/messages.po; do
  lang="$(basename "$(dirname "$(dirname "$po")")")"
  "$PYBABEL" -q update -i "$DIR/messages.pot" -d "$DIR" -l "$lang" --no-wrap
done
"$PYBABEL" compile -d "$DIR" --statistics

PYTHON="$(dirname "$PYBABEL")/python"
[ -x "$PYTHON" ] || PYTHON=python3
"$PYTHON" - "$DIR" <<'PY'
import sys
from pathlib import Path

from babel.messages.pofile import read_po

todo = 0
for po in sorted(Path(sys.argv[1]).glob("*/LC_MESSAGES/messages.po")):
    with po.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and (message.fuzzy or not all(strings)):
            todo += 1
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            state = "fuzzy" if message.fuzzy else "empty"
            print(f"{po}: {state}: {msgid!r}")
print("Every string is translated." if not todo else f"{todo} string(s) to translate.")
PY
