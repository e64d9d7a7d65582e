#!/usr/bin/env bash
# Builds the `feast` container image with no outside registry:
#   1. a Debian bookworm minbase root filesystem from Debian's mirror (mmdebstrap) with libssl3, ca-certificates and
#      tzdata, a non-root user `feast` (uid 10001), an empty /repo it owns (mount a feature repo there) and /usr/local/bin/feast -> /app/Feast.Cli;
#      cached, so only the first build pays for it;
#   2. that rootfs imported into podman and pushed to a docker-registry on loopback (started here, stopped after),
#      because the .NET SDK's container support reads its base image from a registry only;
#   3. `dotnet publish src/Feast.Cli -r linux-x64 --self-contained -t:PublishContainer` on that base, loaded into
#      podman's storage as localhost/feast:latest and localhost/feast:<version> (with the web UI's bundle, which
#      eng/build-ui.sh makes, in /app/feast-ui/).
# Podman is installed from Debian when missing and set up by eng/services.sh (ensure_podman): its configuration and
# image storage live in $FEAST_CONTAINERS_DIR (default ~/.cache/feast-containers); use the same variables to run the
# image (`source eng/services.sh && ensure_podman`, then `podman run localhost/feast:latest --help`).
#
#   eng/image.sh                 # build (the base is reused when its recipe has not changed)
#   eng/image.sh --rebuild-base  # build the base rootfs again (new Debian security updates)
#   eng/image.sh --help
#
# Environment: FEAST_IMAGE (default localhost/feast), FEAST_IMAGE_SOURCE (the org.opencontainers.image.source label;
# default the git remote `origin`), FEAST_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
rebuild_base=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --rebuild-base) rebuild_base=1 ;;
    *) echo "image: unknown option '$1' (see eng/image.sh --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $(id -u) -ne 0 ]]; then
  echo "image: eng/image.sh must run as root (sudo eng/image.sh): mmdebstrap builds the base rootfs with chroot, and the" >&2
  echo "image goes into root's podman storage, which the tests and 'podman kube play' read. A rootless podman needs" >&2
  echo "subuid/subgid ranges and mmdebstrap's unshare mode, which this script does not set up." >&2
  exit 1
fi

# shellcheck source=eng/services.sh
source "$root/eng/services.sh"
ensure_podman || { echo "image: podman is needed: apt-get install podman runc mmdebstrap docker-registry" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "image: the .NET SDK (dotnet) is needed: https://dot.net" >&2; exit 1; }

image="${FEAST_IMAGE:-localhost/feast}"
version="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$root/Directory.Build.props")"
revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
source_url="${FEAST_IMAGE_SOURCE:-$(git -C "$root" remote get-url origin 2>/dev/null || true)}"
if [[ -z "$source_url" ]]; then
  echo "image: no git remote 'origin': the org.opencontainers.image.source label says 'unknown' (set FEAST_IMAGE_SOURCE)" >&2
  source_url=unknown
fi
mirror="${FEAST_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
work="$FEAST_CONTAINERS_DIR"
started=$SECONDS

# --- 1. the base rootfs ------------------------------------------------------------------------------------------
# Its recipe (packages, the hooks below) names the cache entry: a change to it builds a new base.
packages="libssl3,ca-certificates,tzdata"
# Documentation, man pages, locales: a server reads none of them.
dpkg_options=(
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*'
)
customize='set -e
echo "feast:x:10001:10001:feast:/home/feast:/usr/sbin/nologin" >> "$1/etc/passwd"
echo "feast:x:10001:" >> "$1/etc/group"
echo "feast:!:19000::::::" >> "$1/etc/shadow"
mkdir -p "$1/home/feast" "$1/repo" "$1/usr/local/bin"
chown 10001:10001 "$1/home/feast" "$1/repo"
ln -sf /app/Feast.Cli "$1/usr/local/bin/feast"
# usrmerge (which mmdebstrap installs for the merged /usr) pulls in the whole of perl (55 MB) and is no use after.
chroot "$1" apt-get purge -y -qq usrmerge libfile-find-rule-perl libnumber-compare-perl libtext-glob-perl perl libperl5.36 perl-modules-5.36 >/dev/null
chroot "$1" apt-get autoremove --purge -y -qq >/dev/null
rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/* "$1"/tmp/*'
key="$(printf '%s\n' "$packages" "${dpkg_options[*]}" "$customize" | sha256sum | cut -c1-12)"
base_tar="$work/base/bookworm-$key.tar"
base_image="localhost/feast-base:bookworm-$key"
if [[ $rebuild_base -eq 1 || ! -f "$base_tar" ]]; then
  mkdir -p "$work/base"
  rm -rf "$work"/base/*.tar
  echo "image: building the base rootfs (mmdebstrap bookworm minbase + $packages)"
  mmdebstrap --quiet --variant=minbase --include="$packages" "${dpkg_options[@]}" \
    --customize-hook="$customize" bookworm "$work/base/partial.tar" "$mirror" \
    || { echo "image: mmdebstrap failed (is $mirror reachable? set FEAST_DEBIAN_MIRROR)" >&2; exit 1; }
  mv "$work/base/partial.tar" "$base_tar"
  # Earlier bases (other recipes) go: the storage keeps one.
  podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/feast-base:' | xargs -r podman rmi --force >/dev/null 2>&1 || true
fi
if ! podman image exists "$base_image"; then
  podman import --quiet "$base_tar" "$base_image" >/dev/null
fi
echo "image: base $base_image ($(du -m "$base_tar" | cut -f1) MiB rootfs) after $((SECONDS - started)) s"

# --- 2. the loopback registry ------------------------------------------------------------------------------------
port="$(free_port)"
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: "127.0.0.1:$port"}
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true' EXIT
wait_for "docker-registry on 127.0.0.1:$port" curl -fsS "http://127.0.0.1:$port/v2/" \
  || { cat "$work/registry.log" >&2; exit 1; }
podman push --quiet --tls-verify=false "$base_image" "docker://localhost:$port/feast-base:bookworm-$key" >/dev/null

# --- 3. the application image -----------------------------------------------------------------------------------
"$root/eng/build-ui.sh"
echo "image: dotnet publish -t:PublishContainer (self-contained linux-x64) on localhost:$port/feast-base:bookworm-$key"
# Its own artifacts folder (one per checkout), so the checkout's bin/obj (framework-dependent builds the tests use) are
# left alone.
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$root/src/Feast.Cli" -c Release -r linux-x64 --self-contained \
  -nologo -v quiet -t:PublishContainer \
  -p:UseArtifactsOutput=true -p:ArtifactsPath="$work/artifacts-$(printf %s "$root" | sha256sum | cut -c1-8)" \
  -p:ContainerBaseImage="localhost:$port/feast-base:bookworm-$key" \
  -p:ContainerRepository="${image#localhost/}" -p:ContainerImageTags="\"latest;$version\"" \
  -p:LocalRegistry=Podman -p:PublishDocumentationFiles=false -p:PublishReferencesDocumentationFiles=false \
  -p:SourceRevisionId="$revision" -p:FeastImageSource="$source_url"

# The image this build replaced, now untagged.
podman image prune --force >/dev/null
size="$(podman image inspect --format '{{.Size}}' "$image:latest")"
echo "image: $image:latest and $image:$version, $((size / 1024 / 1024)) MiB, revision ${revision:0:12}, in $((SECONDS - started)) s"
