# Read-only: no domain was given, so there is nothing to do (this stage is optional).
set -euo pipefail
echo "droplift-state: skipped no domain: the API is served over http only"
