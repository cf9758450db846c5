# The smoke test, and what to show when it fails: GET $health wants 2xx (health_json=yes: 200
# with JSON). Through nginx it names the site as a visitor would, follows http to https (-k:
# the certificate is stage 10's check), never through a proxy (Ubuntu's /etc/environment).
: "${base:?}" "${server_name:?}" "${health:?}" "${health_json:?}"
set -euo pipefail

# Judges an answer ($1 code, $2 content type, $3 body file, $4 what no answer means); succeeds
# on 2xx (200 with JSON when health_json=yes).
smoke_judge() {
  local shown
  shown=$(head -c 160 "$3" | tr -cd '[:print:]\t')
  if [ "$health_json" = yes ]; then
    if [ "$1" = 200 ] && [[ $2 == application/json* ]] && python3 -m json.tool "$3" >/dev/null 2>&1; then
      echo "200, JSON: $shown"
      return 0
    fi
  elif [[ $1 == 2[0-9][0-9] ]]; then
    echo "$1 ${2:-(no content type)}: $shown"
    return 0
  fi
  case "$1" in
    502) echo "502 Bad Gateway (nginx could not reach uWSGI)" ;;
    000 | "") echo "$4" ;;
    *) echo "$1 ${2:-(no content type)}" ;;
  esac
  return 1
}

# Requests $health through nginx (-g: the path as it is, no globbing).
smoke_test() {
  local host=$server_name body out rc=0
  [ "$host" = _ ] && host=localhost
  body=$(mktemp)
  out=$(curl --noproxy "*" -s -g -k -L --max-redirs 2 -o "$body" -w '%{http_code}|%{content_type}' --max-time 10 \
    --resolve "$host:80:127.0.0.1" --resolve "$host:443:127.0.0.1" "http://$host$health") || out="000|"
  smoke_judge "${out%%|*}" "${out#*|}" "$body" "no answer from nginx on port 80" || rc=1
  rm -f "$body"
  return "$rc"
}

# Requests $health from a slot's own socket $1 before nginx sends it anything, as the site's user,
# saying https once the site has it (a redirect to https passes: the test through nginx follows).
smoke_socket() {
  local host=$server_name proto=http body out code rest rc=0
  [ "$host" = _ ] && host=localhost
  if compgen -G "/etc/nginx/droplift/$(basename "$base")-tls*.conf" >/dev/null; then proto=https; fi
  body=$(mktemp)
  out=$(as_owner curl --noproxy "*" -s -g --max-time 10 --unix-socket "$1" -H "X-Forwarded-Proto: $proto" \
    -o - -w '%{stderr}%{http_code}|%{content_type}|%{redirect_url}' "http://$host$health" 2>&1 >"$body") || true
  code=${out%%|*}
  rest=${out#*|}
  if [[ $code == 30[1278] ]] && [[ ${rest#*|} == "https://$host/"* ]]; then
    echo "$code to ${rest#*|}: the test through nginx follows it"
  else
    smoke_judge "$code" "${rest%%|*}" "$body" "no answer on its own socket" || rc=1
  fi
  rm -f "$body"
  return "$rc"
}

# Repeats the smoke test (smoke_socket on socket $2, if given) for up to $1 seconds (uWSGI may
# still be starting); prints the last answer and succeeds as soon as one passes.
smoke_wait() {
  local waited=0 said
  until if [ -n "${2:-}" ]; then said=$(smoke_socket "$2"); else said=$(smoke_test); fi; do
    if [ "$waited" -ge $(($1 * 20)) ]; then
      echo "$said"
      return 1
    fi
    # Asked often: a deploy waits for the new slot's first answer.
    sleep 0.05
    waited=$((waited + 1))
  done
  echo "$said"
}

# The long story of why the app does not answer, on stderr: the status of the unit $1, its
# journal and the end of the app's log.
diagnose() {
  {
    echo "── systemctl status $1"
    systemctl status "$1" --no-pager --lines 0 2>&1 | grep -v 'changed on disk' | head -n 6 || true
    echo "── journalctl -u $1 (last lines)"
    journalctl -u "$1" -n 12 --no-pager -o cat 2>&1 || true
    echo "── $base/log/uwsgi.log (last lines)"
    as_owner tail -n 15 -- "$base/log/uwsgi.log" 2>&1 | tr -cd '[:print:]\t\n' || true
  } >&2
}

# The end of the app's log, read as the site's user (the log is theirs) and printable only.
app_log_tail() {
  as_owner tail -n 300 -- "$base/log/uwsgi.log" 2>/dev/null | tr -cd '[:print:]\t\n' || true
}

# The short story for the error card: unit $2's state, the telling line of the app's log and of
# nginx's since $4 (nginx's time format; when asked through nginx, $3 empty), what GET said ($1).
summary() {
  local cause nginx_said
  # A Python error or the database's refusal says more than uWSGI's own "no app loaded".
  cause=$(app_log_tail | grep -o -E \
    'password authentication failed for user "[^"]*"|database "[^"]*" does not exist|Connection refused|[A-Za-z]*(Error|Exception): .*' \
    | tail -n 1 || true)
  [ -n "$cause" ] || cause=$(app_log_tail |
    grep -o -E 'callable not found or import error|Permission denied.*' | tail -n 1 || true)
  nginx_said=$(grep -F "$base/socket.sock" /var/log/nginx/error.log 2>/dev/null |
    awk -v s="${4-}" 'substr($0, 1, 19) >= s' | tail -n 1 |
    grep -o -E 'connect\(\) to [^ ]+ failed \([^)]*\)' || true)
  echo "service $2: $(systemctl is-active "$2" 2>/dev/null || true) ($(systemctl show -p Result --value "$2" 2>/dev/null || echo unknown))"
  [ -z "$cause" ] || echo "the app's log says: $cause"
  [ -n "${3-}" ] || [ -z "$nginx_said" ] || echo "nginx says: $nginx_said"
  echo "GET $health ${3:-through nginx}: $1"
}

# What a pass is, for the messages: "200 with JSON" or "2xx".
smoke_wanted() {
  if [ "$health_json" = yes ]; then echo "200 with JSON"; else echo "2xx"; fi
}
