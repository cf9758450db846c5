# The deploy key's forced command (authorized_keys: `restrict,command="…/deploy-gate SITE"`),
# /usr/local/lib/droplift/deploy-gate (root's, 755), run as the site's user: whatever the key
# asks for, only `run HASH [NAME=VALUE]...` or `kill PGID` reach sudo, as separate words for the
# sealed helper, which checks them again. No shell ever reads what the key sent.
: "${site:?}"
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
read -r -a words <<<"${SSH_ORIGINAL_COMMAND-}"
case ${words[0]-} in
  run | kill) ;;
  true) exit 0 ;; # droplift's check for an expired password, right after logging in
  *)
    echo "This key deploys the site $site with droplift and does nothing else (it asked for: ${words[0]:-a shell})." >&2
    exit 126
    ;;
esac
for word in "${words[@]}"; do
  [[ $word =~ ^[A-Za-z0-9=._/-]+$ ]] || {
    echo "droplift's deploy key: a word that is not in a sealed step's form" >&2
    exit 126
  }
done
# sudo is asked whether its rule is still there only when a run fails (each sudo costs 20 ms).
rc=0
sudo -n /usr/local/lib/droplift/sealed "$site" "${words[@]}" || rc=$?
if [ "$rc" -ne 0 ] && ! sudo -n -l /usr/local/lib/droplift/sealed "$site" run >/dev/null 2>&1; then
  echo "droplift's deploy key: sudo's rule for it is gone (/etc/sudoers.d/zz-droplift-deploy-$site): run \`droplift deploy-key\` again" >&2
  exit 126
fi
exit "$rc"
