# How many upgrades are waiting, cheaply. A simulated upgrade (apt-get -s upgrade) takes 1-3 s
# of CPU on a small droplet, so droplift keeps its answer in a memo ($memo) together with a
# fingerprint of everything the answer depends on: dpkg's list of installed packages, the
# package lists, and apt's sources and preferences. While none of them changed, the memo's
# count is apt's answer; after any change apt is asked again.
: "${memo:?}"
set -euo pipefail

# A digest of the names, sizes and times of the files apt's upgrade answer depends on.
apt_fingerprint() {
  {
    stat -c '%n %s %Y' /var/lib/dpkg/status
    find /var/lib/apt/lists /etc/apt/sources.list /etc/apt/sources.list.d /etc/apt/preferences \
      /etc/apt/preferences.d -maxdepth 1 -type f ! -name lock -printf '%p %s %T@\n' 2>/dev/null || true
  } | LC_ALL=C sort | sha256sum | cut -d ' ' -f 1
}

# apt's own count of the upgrades waiting (without taking its locks: it only reads).
count_upgrades() {
  apt-get -s -o Debug::NoLocking=1 upgrade 2>/dev/null | grep -c '^Inst ' || true
}

# The number of upgrades waiting: the memo's when its fingerprint is current, else apt's.
upgrades_waiting() {
  if [ -f "$memo" ] && [ "$(sed -n 's/^fingerprint=//p' "$memo")" = "$(apt_fingerprint)" ]; then
    sed -n 's/^upgrades=//p' "$memo"
  else
    count_upgrades
  fi
}

# Counts with apt and writes the memo (only when apt's state did not change while counting);
# prints the count.
remember_upgrades() {
  local before n
  before=$(apt_fingerprint)
  n=$(count_upgrades)
  if [ "$(apt_fingerprint)" = "$before" ]; then
    mkdir -p "$(dirname "$memo")"
    printf 'fingerprint=%s\nupgrades=%s\n' "$before" "$n" > "$memo.new"
    mv -f "$memo.new" "$memo"
  fi
  echo "$n"
}

# After installing packages: the memo is brought up to date in the background (a later check
# stays quick; until it is written, a check asks apt itself, so nothing waits for it).
refresh_upgrades_memo() {
  # The functions travel as text into a new session, so the step ends without waiting.
  setsid bash -c "memo=$(printf '%q' "$memo"); $(declare -f apt_fingerprint count_upgrades remember_upgrades); remember_upgrades >/dev/null" \
    </dev/null >/dev/null 2>&1 &
}
