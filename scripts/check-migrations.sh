#!/usr/bin/env bash
# Fails when migrations/postgres and migrations/sqlite do not hold the same migration folders,
# or when a migration lacks its up.sql or down.sql.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pg="$root/migrations/postgres"
lite="$root/migrations/sqlite"

list() {
    find "$1" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | LC_ALL=C sort
}

status=0
for dir in "$pg" "$lite"; do
    if [ ! -d "$dir" ]; then
        echo "missing migration folder: ${dir#"$root"/}" >&2
        exit 1
    fi
done

if ! diff_out="$(diff <(list "$pg") <(list "$lite"))"; then
    echo "migration folders differ (< postgres, > sqlite):" >&2
    echo "$diff_out" >&2
    status=1
fi

for dir in "$pg" "$lite"; do
    while IFS= read -r name; do
        if ! [[ "$name" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}_[a-z0-9_]+$ ]]; then
            echo "badly named migration: ${dir#"$root"/}/$name" >&2
            status=1
        fi
        for file in up.sql down.sql; do
            if [ ! -s "$dir/$name/$file" ]; then
                echo "missing or empty: ${dir#"$root"/}/$name/$file" >&2
                status=1
            fi
        done
    done < <(list "$dir")
done

if [ "$status" -eq 0 ]; then
    echo "migrations in lockstep: $(list "$pg" | wc -l) in each of postgres/ and sqlite/"
fi
exit "$status"
