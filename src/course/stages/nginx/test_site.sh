# Tests the site on stdin with nginx's whole configuration, without making it live.
# Why this way: the running nginx reads its files only when it starts or reloads, but anything
# written under /etc/nginx could go live at the next restart or reboot, broken or not. So the
# candidate goes to a staging file outside nginx's folders, and nginx -t tests a temporary
# copy of nginx.conf whose `include /etc/nginx/sites-enabled/*` is swapped for a folder holding
# links to every enabled site plus the candidate (minus the default site when it is to go).
# That copy sits beside nginx.conf, so relative includes (mime.types, snippets/…) resolve as in
# the real one. Nothing nginx uses is touched here: a mistake leaves the old site serving.
: "${site:?}" "${remove_default:?}"
set -euo pipefail
staging=/var/lib/droplift/nginx
available="/etc/nginx/sites-available/$site"
install -d -m 700 "$staging"
cat > "$staging/$site.new"
mv -f "$staging/$site.new" "$staging/$site"
if [ -e "$available" ]; then
  if cmp -s "$available" "$staging/$site"; then
    echo "Your site file is the one on the server already."
  else
    echo "The change to $available:"
    diff -u --label "$available (now)" --label "$available (after)" "$available" "$staging/$site" || true
  fi
else
  echo "A new site: $available"
fi

# A site answering any name (server_name _) must be nginx's default server once a site with a
# name of its own is beside it: else whichever file comes first answers the unknown names.
catch_all='^[[:space:]]*server_name[[:space:]]+_[[:space:]]*;'
if ! grep -Eq "$catch_all" "$staging/$site"; then
  for f in /etc/nginx/sites-enabled/*; do
    if [ "${f##*/}" = "$site" ] || [ ! -f "$f" ]; then continue; fi
    if grep -Eq "$catch_all" "$f" && ! grep -q default_server "$f"; then
      echo "The site ${f##*/} answers any name (server_name _) but is not nginx's default server, so" >&2
      echo "a site with a name of its own beside it could take its requests. Apply stage 7 with" >&2
      echo "${f##*/}'s answers first (droplift's site says default_server now). Nothing was changed." >&2
      exit 1
    fi
  done
fi

test_dir=$(mktemp -d)
test_conf=$(mktemp /etc/nginx/droplift-test.XXXXXX)
# Removed on every way out; explicitly too, as a later step's trap would replace this one when
# the runbook runs all steps in one shell.
cleanup() { rm -rf "$test_dir" "$test_conf"; }
trap cleanup EXIT
shopt -s nullglob
for f in /etc/nginx/sites-enabled/*; do
  name=${f##*/}
  if [ "$name" = "$site" ] || { [ "$name" = default ] && [ "$remove_default" = yes ]; }; then
    continue
  fi
  ln -s "$f" "$test_dir/$name"
done
cp "$staging/$site" "$test_dir/$site"

swapped=$(awk -v dir="$test_dir" '
  $1 == "include" && $2 ~ /^(\/etc\/nginx\/)?sites-enabled\// { print "include " dir "/*;"; n++; next }
  { print }
  END { exit n == 1 ? 0 : 1 }' /etc/nginx/nginx.conf > "$test_conf" && echo yes || echo no)
if [ "$swapped" != yes ]; then
  cleanup
  echo "/etc/nginx/nginx.conf does not include /etc/nginx/sites-enabled/ exactly once, as" >&2
  echo "Debian's and Ubuntu's nginx do; droplift cannot test a site safely here. Nothing was changed." >&2
  exit 1
fi
result=0
out=$(nginx -t -c "$test_conf" 2>&1) || result=$?
cleanup
if [ "$result" -eq 0 ]; then
  echo "nginx -t: the whole configuration with your site is valid (not live yet)"
else
  # Name the files as the student knows them: the site by the path it will have.
  sed -e "s|$test_dir/$site|$available|g" -e "s|$test_conf|/etc/nginx/nginx.conf|g" \
    -e "s|$test_dir/|/etc/nginx/sites-enabled/|g" <<<"$out" >&2
  echo "Nothing was changed: the old configuration keeps serving." >&2
  exit 1
fi
