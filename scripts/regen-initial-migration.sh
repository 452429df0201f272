#!/usr/bin/env bash
# Before the first release only: rebuild the single initial migration from the models.
# (After a release, add a new migration with `flask --app lms db migrate -d lms/migrations`.)
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PYTHON:-python3}"
tmp=$(mktemp -d)
rm -f lms/migrations/versions/0001_initial_schema.py
LMS_INSTANCE_PATH="$tmp" LMS_DATABASE_URL="sqlite:///$tmp/lms.sqlite" \
  "$py" -m flask --app lms db migrate -d lms/migrations -m "initial schema" --rev-id 0001 >/dev/null
mv lms/migrations/versions/0001_initial_schema.py lms/migrations/versions/0001_initial_schema.py 2>/dev/null || true
ls lms/migrations/versions/
rm -rf "$tmp"
# The partial unique index on certificates gets its WHERE when the table is created, which
# autogenerate cannot see: put it back (tests/test_migrations.py fails without it).
"$py" - <<'PY'
from pathlib import Path

path = Path("lms/migrations/versions/0001_initial_schema.py")
where = "sqlite_where=sa.text(\"status = 'valid'\"), postgresql_where=sa.text(\"status = 'valid'\")"
lines = []
for line in path.read_text().splitlines(keepends=True):
    if "'uq_lms_certificates_one_valid_per_enrolment'" in line and "_where" not in line:
        line = line.rstrip("\n")[:-1] + ", " + where + ")\n"
    lines.append(line)
path.write_text("".join(lines))
PY
