# droplift's sealed helper, /usr/local/lib/droplift/sealed (root's, 755). A deploy key's sudo
# rule names it with one site: `sealed SITE run HASH [NAME=VALUE]...` runs, as root, the script
# droplift sealed for that site under that hash (in /var/lib/droplift/sealed/SITE, root only),
# with the run-time values checked here and put in front of it; `sealed SITE kill PGID` stops
# one of those runs. Nothing else: no other script, no other site, no other value.
: "${pgid_mark:?}" "${rc_mark:?}"
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 022
refuse() {
  echo "droplift's deploy key: $*" >&2
  exit 125
}
site=${1-}
what=${2-}
[[ $site =~ ^[a-z0-9][a-z0-9-]{0,31}$ ]] || refuse "no site named"
dir=/var/lib/droplift/sealed/$site
if [ ! -d "$dir" ] || [ -L "$dir" ]; then refuse "nothing is sealed for the site $site: run \`droplift deploy-key\` (with sudo's password) first"; fi
account=$(cat -- "$dir/account")
[ "${SUDO_USER-}" = "$account" ] || refuse "the site $site's steps are sealed for $account, not ${SUDO_USER:-you}"

# A run-time value, checked by its name's rule (the same as droplift's own on the laptop).
checked() {
  local name=$1 value=$2
  case $name in
    ref)
      [[ $value =~ ^[A-Za-z0-9_][A-Za-z0-9._/-]{0,99}$ ]] && [[ $value != *..* ]] &&
        [[ $value != *//* ]] && [[ $value != */.* ]] && [[ $value != */ ]] &&
        [[ $value != *. ]] && [[ $value != *.lock ]]
      ;;
    digest) [[ $value =~ ^[0-9a-f]{64}$ ]] ;;
    target) [[ $value =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$ ]] ;;
    log_lines) [[ $value =~ ^[1-9][0-9]{0,5}$ ]] ;;
    log_follow) [[ $value == yes || $value == no ]] ;;
    *) return 1 ;;
  esac
}

case $what in
  run)
    hash=${3-}
    [[ $hash =~ ^[0-9a-f]{64}$ ]] || refuse "no step named"
    file=$dir/$hash
    [ -f "$file" ] || refuse "this step is not one sealed for $site: the answers or droplift changed since the deploy key was set up. Run \`droplift deploy-key\` again (with sudo's password)."
    preamble=""
    for arg in "${@:4}"; do
      name=${arg%%=*}
      value=${arg#*=}
      if [ "$name" = "$arg" ] || ! checked "$name" "$value"; then
        refuse "the value ${name} is not one a sealed step takes, or not in its form"
      fi
      preamble+="$name='$value'"$'\n'
    done
    script=$preamble$(cat -- "$file")
    export DROPLIFT_SEALED_SITE=$site
    # The same wrapper as an SSH command of droplift's: the new session's leader says its id
    # first (a cancel stops that group), the script's exit status last.
    # shellcheck disable=SC2016 # $$, $1 and $rc are the wrapper's own, expanded when it runs
    exec setsid -w bash -c 'printf "%s%s\n" "$2" "$$" >&2; bash -c "$1" droplift; rc=$?; printf "%s%s\n" "$3" "$rc" >&2; exit $rc' droplift "$script" "$pgid_mark" "$rc_mark"
    ;;
  kill)
    pgid=${3-}
    [[ $pgid =~ ^[1-9][0-9]{0,9}$ ]] || refuse "no process group named"
    # Only a sealed run of this site, started by this account: its leader's environment says so.
    env=$(tr '\0' '\n' <"/proc/$pgid/environ" 2>/dev/null) || exit 0
    if ! grep -qxF "DROPLIFT_SEALED_SITE=$site" <<<"$env" || ! grep -qxF "SUDO_USER=$account" <<<"$env"; then
      refuse "process group $pgid is not a sealed run of $site"
    fi
    kill -TERM -- "-$pgid" 2>/dev/null || exit 0
    for _ in $(seq 30); do
      kill -0 -- "-$pgid" 2>/dev/null || exit 0
      sleep 0.1
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
    ;;
  *) refuse "it runs sealed steps (run) and stops them (kill), nothing else" ;;
esac
