#!/usr/bin/env bash
# Installs the Debian packages guardmail needs to build, test or benchmark, if missing.
# Usage: scripts/install-deps.sh [build|test|demo|bench|fuzz|install|deb]...
set -euo pipefail

# poppler-utils (pdftotext, pdfinfo) reads the text of PDF attachments; poppler-data maps
# Japanese CID fonts to Unicode.
build=(pkg-config file libcurl4-openssl-dev libidn2-dev libncurses-dev libsqlite3-dev libssl-dev zlib1g-dev poppler-utils poppler-data)
# reportlab, openpyxl and python-docx write the documents the extraction tests read
# (Tests/fixtures/make_documents.py); git-email, mutt, neomutt and rsyslog are the clients and
# the log receiver the sendmail and syslog tests drive; man-db and groff-base render the man
# pages the install test checks.
test=(tmux openssl python3 python3-aiosmtpd python3-pytest zip python3-reportlab python3-openpyxl python3-docx git git-email libmailtools-perl mutt neomutt rsyslog man-db groff-base)
demo=(tmux openssl python3 python3-aiosmtpd)
bench=(s-nail mutt msmtp curl time python3 python3-reportlab python3-openpyxl)
# libFuzzer and ASan come with the Swift toolchain; python3 seeds the corpora.
fuzz=(python3)
# make install writes the man pages with python3; make deb packs them with dpkg-deb.
install=(python3)
deb=(python3 dpkg gzip binutils)

wanted=()
for set in "${@:-build}"; do
  case "$set" in
    build) wanted+=("${build[@]}") ;;
    test) wanted+=("${build[@]}" "${test[@]}") ;;
    demo) wanted+=("${build[@]}" "${demo[@]}") ;;
    bench) wanted+=("${build[@]}" "${bench[@]}") ;;
    fuzz) wanted+=("${build[@]}" "${fuzz[@]}") ;;
    install) wanted+=("${build[@]}" "${install[@]}") ;;
    deb) wanted+=("${build[@]}" "${deb[@]}") ;;
    *) echo "install-deps: unknown set '$set' (build, test, demo, bench, fuzz, install, deb)" >&2; exit 64 ;;
  esac
done

missing=()
for pkg in $(printf '%s\n' "${wanted[@]}" | sort -u); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 69; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

if ! command -v swift >/dev/null; then
  echo "install-deps: no Swift toolchain on PATH: install Swift 6 (https://swift.org/install) and retry" >&2
  exit 69
fi
