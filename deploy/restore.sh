#!/usr/bin/env bash
# Restore both databases from deploy/backup.sh's folder (docs/operations.md, "Restoring"):
#   deploy/restore.sh <folder> <server-url>
# <server-url>: the PostgreSQL server's maintenance database in libpq form, e.g.
# postgresql://portal:secret@db.internal:5432/postgres. Each database is created under the
# name it was dumped from and must not exist (a restore never overwrites a live database:
# drop or rename the damaged one first). Stop Keycloak and the bridge before, start them
# after: Keycloak first, then the bridge; then `flask reconcile` and `flask audit verify`.
set -euo pipefail
folder=$1 server_url=$2
for part in keycloak bridge; do
  pg_restore --create --no-owner --exit-on-error --dbname="$server_url" "$folder/$part.dump"
done
echo "restored keycloak and bridge from $folder (taken at $(cat "$folder/taken-at"))"
