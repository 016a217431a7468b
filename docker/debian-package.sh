#!/usr/bin/env bash
# docker/debian-package.sh PACKAGE PROGRAM WHY
# Installs Debian's PACKAGE with apt-get when PROGRAM (a path or a command name) is missing and we
# are root; otherwise prints a note saying WHY it is wanted. Never fails: callers decide what a
# missing program means (the browser tests skip, or fail under CI; the benchmark stops).
set -u
package=$1 program=$2 why=$3
if [ -x "$program" ] || command -v "$program" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's $package for $why..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$package" >/dev/null; } \
    || echo "note: could not install $package; $why needs it (apt-get install $package)"
else
  echo "note: no $program and not root: $why needs it (apt-get install $package)"
fi
exit 0
