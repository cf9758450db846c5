# Is the account $u one of this class's squads? `class apply` marks each squad it sets up
# (/var/lib/droplift/class/SQUAD, root's) before its first stage, so a squad's name that is
# already somebody else's account (another site's owner, a person's login) is refused instead of
# being taken over, and `class remove` removes only accounts it marked. Read-only.
: "${u:?}" "${host_site:?}"
set -euo pipefail
mark=/var/lib/droplift/class/$u
if [ -f "$mark" ]; then
  echo "droplift-state: done $u is a squad of the class on $(head -n 1 "$mark")"
elif id -u "$u" >/dev/null 2>&1; then
  echo "droplift-state: drifted an account named $u exists and is not a squad droplift class set up: give the squad another name"
else
  echo "droplift-state: pending $u is a new squad"
fi
