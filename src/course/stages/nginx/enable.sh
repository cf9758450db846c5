# Makes the tested site live: installs it into sites-available (a temporary file renamed over
# the old one), links it into sites-enabled (a new link renamed over the old name, so the name
# is never missing or half-made), turns the default site off when asked, then tests the real
# configuration once more and reloads nginx. If that test or the reload fails, every file is put
# back as it was and nginx keeps serving the old configuration.
: "${site:?}" "${remove_default:?}"
set -euo pipefail
candidate="/var/lib/droplift/nginx/$site"
available="/etc/nginx/sites-available/$site"
enabled="/etc/nginx/sites-enabled/$site"
default=/etc/nginx/sites-enabled/default
if [ ! -s "$candidate" ]; then
  echo "The tested site file ($candidate) is missing: run the stage again." >&2
  exit 1
fi

# Removed on every way out; explicitly too, as a later step's trap would replace this one when
# the runbook runs all steps in one shell.
backup=$(mktemp -d)
trap 'rm -rf "$backup"' EXIT
for f in "$available" "$enabled" "$default"; do
  if [ -e "$f" ] || [ -L "$f" ]; then cp -a "$f" "$backup/${f//\//_}"; fi
done
restore() {
  local f
  for f in "$available" "$enabled" "$default"; do
    rm -f "$f"
    if [ -e "$backup/${f//\//_}" ] || [ -L "$backup/${f//\//_}" ]; then cp -a "$backup/${f//\//_}" "$f"; fi
  done
  rm -rf "$backup"
  echo "Every file was put back as it was; nginx keeps the old configuration." >&2
}

# The pages nginx shows itself (the site's error_page lines); kept if already there.
install -d -m 755 /var/www/errors
[ -e /var/www/errors/50x.html ] || cat > /var/www/errors/50x.html <<'HTML'
<!doctype html>
<title>The app is not answering</title>
<h1>The app is not answering</h1>
<p>nginx works, but the app behind it did not answer. If the server is being set up, the app starts in a later step.</p>
HTML
[ -e /var/www/errors/404.html ] || cat > /var/www/errors/404.html <<'HTML'
<!doctype html>
<title>Not found</title>
<h1>Not found</h1>
HTML

install -m 644 "$candidate" "$available.droplift-new"
mv -f "$available.droplift-new" "$available"
ln -sfn "$available" "/etc/nginx/sites-enabled/.$site.droplift-new"
mv -Tf "/etc/nginx/sites-enabled/.$site.droplift-new" "$enabled"
echo "Enabled: $enabled -> $available"
if [ "$remove_default" = yes ] && { [ -e "$default" ] || [ -L "$default" ]; }; then
  rm -f "$default"
  echo "The default site is off (it stays in /etc/nginx/sites-available/default)"
fi

if ! out=$(nginx -t 2>&1); then
  echo "$out" >&2
  restore
  exit 1
fi
# A reload returns before nginx's new workers take over; wait (a few seconds at most) until none
# of the old workers is left, so the check that follows talks to the new configuration.
old_workers=$(nginx_workers)
if ! systemctl reload-or-restart nginx || ! systemctl is-active --quiet nginx; then
  echo "nginx did not take the new configuration:" >&2
  journalctl -u nginx -n 5 --no-pager >&2 || true
  restore
  systemctl reload-or-restart nginx || true
  exit 1
fi
wait_old_workers "$old_workers"
rm -f "$candidate"
rm -rf "$backup"
echo "nginx reloaded: your site is live"
