#!/usr/bin/env bash
# Back up both databases as one unit (docs/deploy.md, "Backups"):
#   deploy/backup.sh <keycloak-database-url> <bridge-database-url> <folder>
# URLs in libpq form, e.g. postgresql://portal:secret@db.internal:5432/keycloak.
# Keycloak first, then the bridge: if anything changes in between, the bridge (the record of
# every decision) is the newer one, and `flask reconcile` after a restore re-applies its
# decisions to Keycloak. The other order could restore Keycloak with access the bridge
# never recorded, and reconcile would take it away.
set -euo pipefail
keycloak_url=$1 bridge_url=$2 folder=$3
mkdir -p "$folder"
pg_dump --format=custom --no-owner --file="$folder/keycloak.dump" --dbname="$keycloak_url"
pg_dump --format=custom --no-owner --file="$folder/bridge.dump" --dbname="$bridge_url"
date -u +%Y-%m-%dT%H:%M:%SZ > "$folder/taken-at"
echo "backed up keycloak and bridge to $folder"
