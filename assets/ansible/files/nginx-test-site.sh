#!/bin/bash
# Tests a candidate site file ($3) for site $1 with nginx's whole configuration, without making
# it live (the template task's validate: runs it). $2 is yes when the default site is to go.
# As droplift does: nginx -t tests a temporary copy of nginx.conf whose
# `include /etc/nginx/sites-enabled/*` is swapped for a folder holding links to every enabled
# site plus the candidate, so nothing nginx reads changes unless the whole configuration passes.
set -euo pipefail
site=$1 remove_default=$2 candidate=$3
test_dir=$(mktemp -d)
test_conf=$(mktemp /etc/nginx/droplift-test.XXXXXX)
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
cp "$candidate" "$test_dir/$site"
if ! awk -v dir="$test_dir" '
  $1 == "include" && $2 ~ /^(\/etc\/nginx\/)?sites-enabled\// { print "include " dir "/*;"; n++; next }
  { print }
  END { exit n == 1 ? 0 : 1 }' /etc/nginx/nginx.conf > "$test_conf"; then
  echo "/etc/nginx/nginx.conf does not include /etc/nginx/sites-enabled/ exactly once; the site cannot be tested safely" >&2
  exit 1
fi
if ! out=$(nginx -t -c "$test_conf" 2>&1); then
  sed -e "s|$test_dir/$site|/etc/nginx/sites-available/$site|g" -e "s|$test_conf|/etc/nginx/nginx.conf|g" \
    -e "s|$test_dir/|/etc/nginx/sites-enabled/|g" <<<"$out" >&2
  exit 1
fi
