#!/usr/bin/env bash
# Builds guardmail_VERSION-REVISION_ARCH.deb with dpkg-deb from a staged `make install`
# (PREFIX=/usr, Debian's folders), see docs/install.md.
# Usage: scripts/make-deb.sh OUTDIR   (run by `make deb`, after `make release`)
set -euo pipefail

outdir=${1:?usage: make-deb.sh OUTDIR}
bin=.build/release/guardmail
revision=${DEB_REVISION:-1}
maintainer=${DEB_MAINTAINER:-guardmail maintainers <guardmail@example.org>}
[ -x "$bin" ] || { echo "make-deb: no release binary at $bin: run make release first" >&2; exit 66; }

version=$("$bin" --version | awk 'NR == 1 { print $2 }')
case "$version" in [0-9]*) ;; *) echo "make-deb: cannot read the version from '$bin --version'" >&2; exit 65 ;; esac
arch=$(dpkg --print-architecture)
stage=$(mktemp -d "${TMPDIR:-/tmp}/guardmail-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/root"

make --no-print-directory install DESTDIR="$root" PREFIX=/usr ZSHCOMPDIR=/usr/share/zsh/vendor-completions >/dev/null

# Debian's layout: stripped binary, compressed man pages, copyright and changelog in the doc folder.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/guardmail"
gzip -9n "$root"/usr/share/man/man1/*.1 "$root"/usr/share/man/man5/*.5
doc="$root/usr/share/doc/guardmail"
install -d "$doc/examples"
mv "$doc/organisation-policy.toml" "$doc/examples/"
gzip -9n "$doc/README.md"
cat > "$doc/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: guardmail
Comment: The binary links the Swift runtime and standard library statically
 (swift.org, Apache-2.0 with Runtime Library Exception) and swift-argument-parser
 (Apache-2.0 with Runtime Library Exception).

Files: *
Copyright: 2026 guardmail contributors
License: Apache-2.0

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be
 found in "/usr/share/common-licenses/Apache-2.0".
EOF
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
{
  echo "guardmail ($version-$revision) unstable; urgency=medium"
  echo
  echo "  * Package built from $(git describe --always --dirty 2>/dev/null || echo 'a source tree')."
  echo
  echo " -- $maintainer  $date"
} | gzip -9n > "$doc/changelog.Debian.gz"
# Not an upload to Debian's archive: there is no bug the first version closes.
install -d "$root/usr/share/lintian/overrides"
echo "guardmail: initial-upload-closes-no-bugs" > "$root/usr/share/lintian/overrides/guardmail"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod go-w {} +

# Depends: the packages holding the shared libraries the binary links (objdump's NEEDED), plus
# what it opens at run time: libcurl (dlopen, Sources/CCurl) and file(1) with libmagic
# (Sources/Inspect/ContentTypeDetector.swift).
packages=()
for soname in $(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }'); do
  # awk reads all of ldconfig's output (no early exit): with pipefail, a reader that stops early
  # makes ldconfig die of SIGPIPE once its listing outgrows the pipe, and the script with it.
  path=$(ldconfig -p | awk -v so="$soname" '$1 == so && /x86-64|AArch64|x32|64bit/ && !found { print $NF; found = 1 }')
  [ -n "$path" ] || path=$(ldconfig -p | awk -v so="$soname" '$1 == so && !found { print $NF; found = 1 }')
  [ -n "$path" ] || { echo "make-deb: no installed library for $soname" >&2; exit 69; }
  real=$(readlink -f "$path")
  package=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null) \
    || { echo "make-deb: no Debian package owns $path ($soname)" >&2; exit 69; }
  packages+=("${package%%:*}")
done
packages+=(libcurl4 libmagic1 file)
depends=$(printf '%s\n' "${packages[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')
size=$(du -sk "$root" | awk '{ print $1 }')

install -d "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<EOF
Package: guardmail
Version: $version-$revision
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Section: mail
Priority: optional
Description: terminal mail composer that stops mail going to the wrong people
 guardmail writes and sends mail from the terminal with guard rails: every
 address parsed and checked, no autocomplete, attachments inspected, a
 confirmation screen where each external recipient and attachment is ticked,
 a policy engine an organisation can lock, a countdown hold with undo, a
 durable outbox and an append-only send journal. Submission is SMTP with
 STARTTLS required (libcurl).
EOF

mkdir -p "$outdir"
deb="$outdir/guardmail_${version}-${revision}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
