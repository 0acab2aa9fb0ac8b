#!/usr/bin/env bash
# The Debian packages the test suite uses beyond Python: PostgreSQL and Redis
# servers, Debian's Chromium for the browser tests, poppler-utils (pdftoppm to
# look at rendered dossiers, pdftotext to hash captured PDFs' text), ffmpeg to
# sample captured videos' frames (vPDQ). As root we install what is missing;
# otherwise we print the exact command and the tests that need a missing part
# skip, saying why.
set -euo pipefail
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || need+=(chromium chromium-driver)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
# pdqhash and py-tlsh come as sdists here (no wheel for this platform): they compile.
command -v g++ >/dev/null || need+=(g++)
[ -e "/usr/include/python3.11/Python.h" ] || need+=(python3-dev)
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "missing Debian packages (tests that need them will skip): sudo apt-get install ${need[*]}" >&2
fi
