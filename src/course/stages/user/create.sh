# Creates the account with a home folder, its own group and bash, unless it exists already.
: "${u:?}"
set -euo pipefail
if id -u "$u" >/dev/null 2>&1; then
  echo "$u exists already"
else
  useradd --create-home --shell /bin/bash --user-group "$u"
fi
