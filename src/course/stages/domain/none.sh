# Read-only: no domain was given, so there is nothing to do (this stage is optional).
set -euo pipefail
echo "droplift-state: done no [tls] domain given: the API is served over http only (optional stage)"
