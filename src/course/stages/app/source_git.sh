# The code comes from a git repository: the commit the branch or tag `ref` points to names the
# code a release is built from. git runs as the app's user, as the clone will.
: "${u:?}" "${url:?}" "${ref:?}"
set -euo pipefail

# Runs git as the app's user, in its home (git and ssh read their settings there).
git_as_user() {
  local home
  home=$(getent passwd "$u" | cut -d: -f6)
  (cd / && runuser -u "$u" -- env HOME="$home" GIT_TERMINAL_PROMPT=0 git "$@")
}

# Prints the commit of `ref` in `url` (a tag's own commit for an annotated tag); or says why
# not, and fails.
wanted_digest() {
  local out commit
  command -v git >/dev/null 2>&1 || { echo "git is not installed yet"; return 1; }
  if ! out=$(git_as_user ls-remote "$url" "refs/tags/$ref^{}" "refs/tags/$ref" "refs/heads/$ref" 2>&1); then
    echo "git cannot read $url: $(grep -m 1 '^fatal:' <<<"$out" || tail -n 1 <<<"$out")"
    return 1
  fi
  commit=$(awk '$2 ~ /\^\{\}$/ { print $1; exit }' <<<"$out")
  [ -n "$commit" ] || commit=$(awk 'NR == 1 { print $1 }' <<<"$out")
  if [ -z "$commit" ]; then
    echo "$url has no branch or tag named $ref"
    return 1
  fi
  echo "$commit"
}

# Succeeds when `ref` is a tag (the release folder is then named after it).
ref_is_tag() { git_as_user ls-remote --tags "$url" "refs/tags/$ref" 2>/dev/null | grep -q .; }
