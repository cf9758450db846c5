# Prints who this command runs as (root, when sudo worked).
set -euo pipefail
id -un
