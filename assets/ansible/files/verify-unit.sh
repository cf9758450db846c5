#!/bin/bash
# Checks a candidate systemd unit file ($2) for the unit $1 with systemd-analyze verify, without
# installing it (the template task's validate: runs it). verify judges a unit by its file name,
# so the candidate is copied under the unit's real name into a folder of its own first. Its
# ExecStart must exist: the release it names is already `current` when this runs.
set -euo pipefail
unit=$1 candidate=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$candidate" "$dir/$unit.service"
systemd-analyze verify "$dir/$unit.service"
