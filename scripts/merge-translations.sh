#!/usr/bin/env bash
# After a `git merge` that stops on the translation catalogues: keep every translated entry of
# both sides (msgcat), then extract, merge and compile again from the merged code.
# Usage: scripts/merge-translations.sh   (PYBABEL=/path/to/pybabel as for update-translations.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=lms/translations
for po in "$DIR"/*/LC_MESSAGES/messages.po; do
  if git ls-files -u -- "$po" | grep -q .; then
    ours="$(mktemp)"; theirs="$(mktemp)"
    # Obsolete (#~) entries can repeat a live one after an earlier merge: leave them out.
    git show ":2:$po" | grep -v "^#~" >"$ours"
    git show ":3:$po" | grep -v "^#~" >"$theirs"
    msgcat --use-first --no-wrap -o "$po" "$ours" "$theirs"
    rm -f "$ours" "$theirs"
  fi
done
git checkout --ours -- "$DIR/messages.pot" "$DIR"/*/LC_MESSAGES/messages.mo 2>/dev/null || true
"$(dirname "$0")/update-translations.sh"
git add "$DIR"
